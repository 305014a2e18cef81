#include "app/history/schema.h"

#include "app/history/history_error.h"

#include <chrono>
#include <ctime>

namespace ec::history {

namespace fs = std::filesystem;

namespace {

// Version 1: the first released schema. Never edit a released step; add a new one instead.
const char *const kToV1 = R"sql(
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    model_path TEXT NOT NULL DEFAULT '',
    cache_policy TEXT NOT NULL DEFAULT '',
    cache_budget_ratio REAL,
    cache_budget_bytes INTEGER,
    settings TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    status TEXT NOT NULL CHECK (status IN ('complete', 'cancelled', 'failed')),
    UNIQUE (conversation_id, seq)
);
CREATE TABLE images (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL
);
CREATE TABLE attachments (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    image_sha256 TEXT NOT NULL REFERENCES images (sha256),
    PRIMARY KEY (message_id, position)
);
CREATE INDEX attachments_by_image ON attachments (image_sha256);
)sql";

// Version 2: model fingerprint, answers written while they stream (status streaming and
// incomplete, updated_at, error), per-turn cache statistics. Widening the status CHECK needs
// the table rebuilt (https://sqlite.org/lang_altertable.html, "making other kinds of changes").
const char *const kToV2 = R"sql(
ALTER TABLE conversations ADD COLUMN model_fingerprint TEXT NOT NULL DEFAULT '';
CREATE TABLE messages_v2 (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    status TEXT NOT NULL
        CHECK (status IN ('streaming', 'complete', 'cancelled', 'failed', 'incomplete')),
    error TEXT NOT NULL DEFAULT '',
    UNIQUE (conversation_id, seq)
);
INSERT INTO messages_v2 (id, conversation_id, seq, role, text, created_at, updated_at,
                         prompt_tokens, completion_tokens, status)
    SELECT id, conversation_id, seq, role, text, created_at, created_at,
           prompt_tokens, completion_tokens, status FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
CREATE TABLE turn_stats (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    budget_ratio REAL,
    budget_bytes INTEGER,
    entries_before INTEGER NOT NULL,
    entries_after INTEGER NOT NULL,
    bytes_before INTEGER NOT NULL,
    bytes_after INTEGER NOT NULL,
    merged INTEGER NOT NULL,
    evicted INTEGER NOT NULL,
    prefill_ms REAL NOT NULL,
    compaction_ms REAL NOT NULL,
    decode_tokens INTEGER NOT NULL,
    decode_ms REAL NOT NULL,
    peak_memory_bytes INTEGER NOT NULL,
    device TEXT NOT NULL
);
)sql";

// Version 3: full-text search over titles and finished messages. A streaming answer is indexed
// once, when it stops streaming, instead of at every update.
const char *const kToV3 = R"sql(
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE status != 'streaming';
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.status != 'streaming'
BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.status != 'streaming'
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, status ON messages
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', old.id, old.text WHERE old.status != 'streaming';
    INSERT INTO messages_fts (rowid, text) SELECT new.id, new.text WHERE new.status != 'streaming';
END;
CREATE VIRTUAL TABLE conversations_fts USING fts5 (
    title, content = 'conversations', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO conversations_fts (rowid, title) SELECT id, title FROM conversations;
CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations
BEGIN
    INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations
BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations
BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
    INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title);
END;
)sql";

const char *const kSteps[kSchemaVersion] = {kToV1, kToV2, kToV3};

fs::path backupPath(const fs::path &dbPath, int version)
{
    fs::path candidate = dbPath;
    candidate += ".v" + std::to_string(version) + ".bak";
    std::error_code ec;
    if (!fs::exists(candidate, ec))
        return candidate;
    // Never overwrite an earlier backup: it may be the only good copy.
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char stamp[32];
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int n = 0;; ++n) {
        std::string suffix = ".v";
        suffix.append(std::to_string(version)).append(".").append(stamp);
        if (n)
            suffix.append("-").append(std::to_string(n));
        candidate = dbPath;
        candidate += suffix + ".bak";
        if (!fs::exists(candidate, ec))
            return candidate;
    }
}

void checkOwnership(Database &db, int version)
{
    bool hasObjects = db.queryInt("SELECT count(*) FROM sqlite_master") > 0;
    if (!hasObjects)
        return;
    auto appId = db.queryInt("PRAGMA application_id");
    if (appId != kApplicationId || version == 0)
        throw ForeignDatabaseError("it is an SQLite database of another program (application id " +
                                   std::to_string(appId) + ", schema version " +
                                   std::to_string(version) + ")");
}

int userVersion(Database &db)
{
    return int(db.queryInt("PRAGMA user_version"));
}

} // namespace

bool inspectFile(Database &db, const fs::path &dbPath)
{
    int version = userVersion(db);
    if (version > kSchemaVersion)
        throw HistoryError("the history at " + dbPath.string() +
                           " was written by a newer "
                           "Elastic Chat (schema version " +
                           std::to_string(version) + ", this build knows " +
                           std::to_string(kSchemaVersion) + "); it was left untouched");
    checkOwnership(db, version);
    return version == 0 && db.queryInt("SELECT count(*) FROM sqlite_master") == 0;
}

MigrationReport migrate(Database &db, const fs::path &dbPath)
{
    inspectFile(db, dbPath);
    MigrationReport report;
    report.fromVersion = userVersion(db);
    report.toVersion = kSchemaVersion;
    if (report.fromVersion == kSchemaVersion)
        return report;
    if (report.fromVersion > 0) {
        report.backup = backupPath(dbPath, report.fromVersion);
        db.backupTo(report.backup);
    }

    // Table rebuilds need foreign keys off, and that pragma is a no-op inside a transaction.
    db.exec("PRAGMA foreign_keys = OFF");
    try {
        Transaction tx(db);
        int version = userVersion(db); // another process may have migrated meanwhile
        for (; version < kSchemaVersion; ++version) {
            try {
                db.exec(kSteps[version]);
            } catch (const SqliteError &e) {
                throw HistoryError("upgrading the history at " + dbPath.string() +
                                   " from schema version " + std::to_string(version) + " to " +
                                   std::to_string(version + 1) + " failed (" + e.what() +
                                   "); the file was left as it was");
            }
        }
        if (db.prepare("PRAGMA foreign_key_check").step())
            throw HistoryError("upgrading the history at " + dbPath.string() +
                               " broke a foreign key; the file was left as it was");
        db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
        tx.commit();
    } catch (...) {
        db.exec("PRAGMA foreign_keys = ON");
        throw;
    }
    db.exec("PRAGMA foreign_keys = ON");
    return report;
}

std::vector<std::string> schemaDump(Database &db)
{
    std::vector<std::string> out;
    Statement st = db.prepare("SELECT type || ' ' || name || ': ' || coalesce(sql, '') "
                              "FROM sqlite_master ORDER BY type, name");
    while (st.step())
        out.push_back(st.text(0));
    return out;
}

} // namespace ec::history
