// Opening the store: lock file, header probe, WAL, migrations, quarantine of unreadable files and
// recovery of answers whose writer died.
#include "app/history/history_store.h"

#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

namespace ec::history {

namespace fs = std::filesystem;

namespace {

// Raised internally for files that must be moved aside rather than opened.
struct Unreadable
{
    std::string reason;
};

std::string utcStamp()
{
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// An empty file is a valid new database; anything else must start with SQLite's magic.
void probeHeader(const fs::path &path)
{
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status))
        return;
    // Only a file can be damaged; a folder (or device) there is a mistake to report, not move.
    if (!fs::is_regular_file(status))
        throw HistoryError("cannot open the history at " + path.string() +
                           ": it is not a regular file");
    if (fs::file_size(path, ec) == 0)
        return;
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    if (in.gcount() < 16 || std::memcmp(header, "SQLite format 3", 16) != 0)
        throw Unreadable{"it is not an SQLite database"};
}

bool isDamage(const SqliteError &e)
{
    return e.primaryCode() == SQLITE_NOTADB || e.primaryCode() == SQLITE_CORRUPT;
}

} // namespace

std::int64_t nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

HistoryStore::HistoryStore(const fs::path &path, StoreOptions options)
    : m_path(path)
    , m_options(options)
{
    if (m_path.has_parent_path())
        fs::create_directories(m_path.parent_path());
    takeLock();
    try {
        try {
            try {
                open();
            } catch (const Unreadable &bad) {
                quarantine(bad.reason);
                open();
            } catch (const ForeignDatabaseError &e) {
                quarantine(e.what());
                open();
            } catch (const SqliteError &e) {
                if (!isDamage(e))
                    throw;
                quarantine(e.what());
                open();
            }
            if (m_soleUser)
                recoverInterruptedAnswers();
        } catch (const Unreadable &bad) {
            throw HistoryError("cannot open the history at " + m_path.string() + ": " + bad.reason);
        } catch (const SqliteError &e) {
            throw HistoryError("cannot open the history at " + m_path.string() + ": " + e.what());
        }
    } catch (...) {
        m_db.close();
        ::close(m_lockFd);
        throw;
    }
    // Others may open the file now; nobody sweeps answers while we hold a shared lock.
    flock(m_lockFd, LOCK_SH);
}

HistoryStore::~HistoryStore()
{
    m_db.close();
    if (m_lockFd >= 0)
        ::close(m_lockFd); // releases the flock
}

// Every open store holds a shared flock on <file>.lock. Getting it exclusively means no other
// store is open, so an answer still marked streaming belongs to a dead process.
void HistoryStore::takeLock()
{
    fs::path lockPath = m_path;
    lockPath += ".lock";
    m_lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_lockFd < 0)
        throw HistoryError("cannot create " + lockPath.string() + ": " + std::strerror(errno));
    m_soleUser = flock(m_lockFd, LOCK_EX | LOCK_NB) == 0;
    if (!m_soleUser)
        flock(m_lockFd, LOCK_SH);
}

void HistoryStore::open()
{
    probeHeader(m_path);
    m_db = Database(m_path);
    m_db.setBusyTimeout(m_options.busyTimeoutMs);
    // Nothing is written before the file is known to be ours (or new).
    if (inspectFile(m_db, m_path)) {
        // Only possible before WAL and the first table: lets deletes give space back.
        m_db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    }
    m_db.exec("PRAGMA journal_mode = WAL");
    // NORMAL is safe against process crashes in WAL mode; commits of whole turns use FULL.
    m_db.exec("PRAGMA synchronous = NORMAL");
    m_db.exec("PRAGMA foreign_keys = ON");
    m_migration = migrate(m_db, m_path);
    // Touch every table once so that damage in the first pages shows up now, not mid-chat.
    m_db.queryInt("SELECT (SELECT count(*) FROM conversations WHERE id < 0) + "
                  "(SELECT count(*) FROM messages WHERE id < 0)");
}

// Renames the file (and its -wal/-shm/-journal companions, which would otherwise be replayed into
// the fresh file) to <file>.corrupt-<UTC time>.
void HistoryStore::quarantine(const std::string &reason)
{
    m_db.close();
    std::string suffix = ".corrupt-" + utcStamp();
    fs::path target = m_path;
    target += suffix;
    for (int n = 1; fs::exists(target); ++n) {
        target = m_path;
        target += suffix + "-" + std::to_string(n);
    }
    fs::rename(m_path, target);
    for (const char *companion : {"-wal", "-shm", "-journal"}) {
        fs::path from = m_path;
        from += companion;
        fs::path to = target;
        to += companion;
        std::error_code ec;
        if (fs::exists(from, ec))
            fs::rename(from, to, ec);
    }
    m_quarantined = target;
    m_notice = "The history file " + m_path.string() + " could not be read (" + reason +
               "). It was kept as " + target.string() + " and a new, empty history was started.";
}

void HistoryStore::recoverInterruptedAnswers()
{
    Transaction tx(m_db);
    m_db.prepare("UPDATE messages SET status = 'incomplete', updated_at = ?1 "
                 "WHERE status = 'streaming'")
        .bind(1, nowMs())
        .run();
    m_recovered = m_db.changes();
    tx.commit();
}

std::string HistoryStore::integrityCheck()
{
    Statement st = m_db.prepare("PRAGMA integrity_check");
    std::string out;
    while (st.step()) {
        if (!out.empty())
            out += '\n';
        out += st.text(0);
    }
    return out;
}

} // namespace ec::history
