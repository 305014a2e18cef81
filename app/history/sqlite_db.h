// A small RAII layer over the SQLite C API: one Database per thread, prepared Statements with
// bound parameters only, and IMMEDIATE write transactions that roll back unless committed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace ec::history {

// Any SQLite failure; code() is the extended result code (SQLITE_BUSY, SQLITE_CORRUPT, ...).
class SqliteError : public std::runtime_error
{
public:
    SqliteError(int code, const std::string &message);
    int code() const { return m_code; }
    int primaryCode() const { return m_code & 0xff; }

private:
    int m_code;
};

class Statement
{
public:
    Statement(sqlite3 *db, std::string_view sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&other) noexcept;

    // Parameters are 1-based, as in SQLite. Text keeps embedded NULs (explicit length).
    Statement &bind(int index, std::int64_t value);
    Statement &bind(int index, int value) { return bind(index, std::int64_t(value)); }
    Statement &bind(int index, double value);
    Statement &bind(int index, std::string_view text);
    Statement &bind(int index, const std::string &text)
    {
        return bind(index, std::string_view(text));
    }
    Statement &bind(int index, const char *text) { return bind(index, std::string_view(text)); }
    Statement &bindBlob(int index, const void *data, std::size_t size);
    Statement &bindNull(int index);
    template <typename T> Statement &bind(int index, const std::optional<T> &value)
    {
        return value ? bind(index, *value) : bindNull(index);
    }

    // True while a row is available; false when done. Throws SqliteError on failure.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    void reset();

    bool isNull(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::vector<unsigned char> blob(int column) const;
    std::optional<std::int64_t> optInt64(int column) const;
    std::optional<double> optReal(int column) const;

private:
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
};

class Database
{
public:
    enum class Mode { ReadWriteCreate, ReadOnly };

    Database() = default;
    explicit Database(const std::filesystem::path &path, Mode mode = Mode::ReadWriteCreate);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;
    Database(Database &&other) noexcept;
    Database &operator=(Database &&other) noexcept;

    bool isOpen() const { return m_db != nullptr; }
    void close();

    // For statements without parameters (schema, pragmas); data always goes through prepare().
    void exec(const std::string &sql);
    Statement prepare(std::string_view sql) { return Statement(m_db, sql); }
    std::int64_t queryInt(const std::string &sql);
    std::string queryText(const std::string &sql);

    void setBusyTimeout(int ms);
    std::int64_t lastInsertId() const;
    int changes() const;
    bool inTransaction() const;
    // Copies the whole database (consistently, WAL included) into a new file.
    void backupTo(const std::filesystem::path &target);
    sqlite3 *handle() const { return m_db; }

private:
    sqlite3 *m_db = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front, so a busy writer waits in the busy handler
// instead of failing later with SQLITE_BUSY on lock upgrade. Rolls back unless commit() ran.
class Transaction
{
public:
    enum class Kind { Read, Write };
    explicit Transaction(Database &db, Kind kind = Kind::Write);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

private:
    Database &m_db;
    bool m_open = true;
};

} // namespace ec::history
