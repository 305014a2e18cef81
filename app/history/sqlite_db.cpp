#include "app/history/sqlite_db.h"

#include <sqlite3.h>
#include <utility>

namespace ec::history {

namespace {

[[noreturn]] void fail(sqlite3 *db, int code, const std::string &context)
{
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    int extended = db ? sqlite3_extended_errcode(db) : code;
    if ((extended & 0xff) != (code & 0xff))
        extended = code; // errmsg belongs to a different call; keep the code we were given
    throw SqliteError(extended, context + ": " + detail);
}

} // namespace

SqliteError::SqliteError(int code, const std::string &message)
    : std::runtime_error(message)
    , m_code(code)
{
}

// --- Statement --------------------------------------------------------------------------------

Statement::Statement(sqlite3 *db, std::string_view sql)
    : m_db(db)
{
    int rc = sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        fail(db, rc, "cannot prepare \"" + std::string(sql.substr(0, 60)) + "\"");
}

Statement::~Statement()
{
    sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr))
    , m_stmt(std::exchange(other.m_stmt, nullptr))
{
}

Statement &Statement::operator=(Statement &&other) noexcept
{
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_db = std::exchange(other.m_db, nullptr);
        m_stmt = std::exchange(other.m_stmt, nullptr);
    }
    return *this;
}

Statement &Statement::bind(int index, std::int64_t value)
{
    int rc = sqlite3_bind_int64(m_stmt, index, value);
    if (rc != SQLITE_OK)
        fail(m_db, rc, "cannot bind parameter " + std::to_string(index));
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    int rc = sqlite3_bind_double(m_stmt, index, value);
    if (rc != SQLITE_OK)
        fail(m_db, rc, "cannot bind parameter " + std::to_string(index));
    return *this;
}

Statement &Statement::bind(int index, std::string_view text)
{
    // SQLITE_TRANSIENT: SQLite copies, so callers may pass temporaries.
    int rc =
        sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK)
        fail(m_db, rc, "cannot bind parameter " + std::to_string(index));
    return *this;
}

Statement &Statement::bindBlob(int index, const void *data, std::size_t size)
{
    int rc = size == 0 ? sqlite3_bind_zeroblob(m_stmt, index, 0)
                       : sqlite3_bind_blob64(m_stmt, index, data, size, SQLITE_TRANSIENT);
    if (rc != SQLITE_OK)
        fail(m_db, rc, "cannot bind parameter " + std::to_string(index));
    return *this;
}

Statement &Statement::bindNull(int index)
{
    int rc = sqlite3_bind_null(m_stmt, index);
    if (rc != SQLITE_OK)
        fail(m_db, rc, "cannot bind parameter " + std::to_string(index));
    return *this;
}

bool Statement::step()
{
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    // Reset so that the statement can be reused and the error code is the real one.
    sqlite3_reset(m_stmt);
    fail(m_db, rc, "query failed");
}

void Statement::run()
{
    while (step()) {
    }
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const
{
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::text(int column) const
{
    auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    int size = sqlite3_column_bytes(m_stmt, column); // after column_text, as the docs require
    return data ? std::string(data, std::size_t(size)) : std::string();
}

std::vector<unsigned char> Statement::blob(int column) const
{
    auto *data = static_cast<const unsigned char *>(sqlite3_column_blob(m_stmt, column));
    int size = sqlite3_column_bytes(m_stmt, column);
    return data ? std::vector<unsigned char>(data, data + size) : std::vector<unsigned char>();
}

std::optional<std::int64_t> Statement::optInt64(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return int64(column);
}

std::optional<double> Statement::optReal(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return real(column);
}

// --- Database ---------------------------------------------------------------------------------

Database::Database(const std::filesystem::path &path, Mode mode)
{
    int flags =
        mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX; // one connection per thread, never shared
    int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string detail = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw SqliteError(rc, "cannot open " + path.string() + ": " + detail);
    }
    sqlite3_extended_result_codes(m_db, 1);
}

Database::~Database()
{
    close();
}

Database::Database(Database &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr))
{
}

Database &Database::operator=(Database &&other) noexcept
{
    if (this != &other) {
        close();
        m_db = std::exchange(other.m_db, nullptr);
    }
    return *this;
}

void Database::close()
{
    // close_v2 defers the close until every statement is finalized, so it cannot fail on us.
    if (m_db)
        sqlite3_close_v2(m_db);
    m_db = nullptr;
}

void Database::exec(const std::string &sql)
{
    char *error = nullptr;
    int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string detail = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw SqliteError(sqlite3_extended_errcode(m_db),
                          "\"" + sql.substr(0, 60) + "\" failed: " + detail);
    }
}

std::int64_t Database::queryInt(const std::string &sql)
{
    Statement st = prepare(sql);
    return st.step() ? st.int64(0) : 0;
}

std::string Database::queryText(const std::string &sql)
{
    Statement st = prepare(sql);
    return st.step() ? st.text(0) : std::string();
}

void Database::setBusyTimeout(int ms)
{
    sqlite3_busy_timeout(m_db, ms);
}

std::int64_t Database::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

int Database::changes() const
{
    return sqlite3_changes(m_db);
}

bool Database::inTransaction() const
{
    return sqlite3_get_autocommit(m_db) == 0;
}

void Database::backupTo(const std::filesystem::path &target)
{
    Database out(target);
    sqlite3_backup *backup = sqlite3_backup_init(out.m_db, "main", m_db, "main");
    if (!backup)
        fail(out.m_db, sqlite3_errcode(out.m_db), "cannot start backup to " + target.string());
    int rc;
    do {
        rc = sqlite3_backup_step(backup, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(10);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE)
        throw SqliteError(rc, "backup to " + target.string() + " failed: " + sqlite3_errstr(rc));
}

// --- Transaction ------------------------------------------------------------------------------

Transaction::Transaction(Database &db, Kind kind)
    : m_db(db)
{
    m_db.exec(kind == Kind::Write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction()
{
    if (m_open && m_db.inTransaction()) {
        try {
            m_db.exec("ROLLBACK");
        } catch (...) {
            // The connection is closing or already rolled back by SQLite; nothing left to undo.
        }
    }
}

void Transaction::commit()
{
    m_db.exec("COMMIT");
    m_open = false;
}

} // namespace ec::history
