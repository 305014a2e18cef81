// A committed turn must survive power loss, not only a crash: synchronous=FULL syncs the WAL at
// the commit made while this guard lives; streaming updates stay on the cheaper NORMAL.
#pragma once

#include "app/history/sqlite_db.h"

namespace ec::history {

class DurableCommit
{
public:
    DurableCommit(Database &db, bool enabled)
        : m_db(db)
        , m_enabled(enabled)
    {
        if (m_enabled)
            m_db.exec("PRAGMA synchronous = FULL");
    }
    ~DurableCommit()
    {
        if (!m_enabled)
            return;
        try {
            m_db.exec("PRAGMA synchronous = NORMAL");
        } catch (...) {
            // Only costs durability of later streaming updates, which NORMAL does not promise.
        }
    }
    DurableCommit(const DurableCommit &) = delete;
    DurableCommit &operator=(const DurableCommit &) = delete;

private:
    Database &m_db;
    bool m_enabled;
};

} // namespace ec::history
