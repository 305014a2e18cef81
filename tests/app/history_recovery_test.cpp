// A file at the history path that cannot be read as a history is moved aside, never deleted, and
// the app starts with a fresh store and a message saying what happened.
#include "app/history/history_store.h"
#include "history_test_support.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>
#include <set>
#include <unistd.h>

using namespace ec::history;
using ec::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

std::string fileBytes(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path &path, const std::string &bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}

// Opens a store on a bad file and checks the whole recovery contract.
void expectQuarantined(const ScratchDir &dir, const std::string &bad, const std::string &reason)
{
    fs::path db = dir / "history.db";
    writeBytes(db, bad);
    HistoryStore store(db);
    EXPECT_NE(store.recoveryNotice().find("could not be read"), std::string::npos)
        << store.recoveryNotice();
    EXPECT_NE(store.recoveryNotice().find(reason), std::string::npos) << store.recoveryNotice();
    EXPECT_NE(store.recoveryNotice().find(store.quarantinedFile().string()), std::string::npos);
    ASSERT_TRUE(fs::exists(store.quarantinedFile()));
    EXPECT_EQ(fileBytes(store.quarantinedFile()), bad) << "the bad file is kept as it was";
    EXPECT_EQ(store.quarantinedFile().parent_path(), db.parent_path());
    // The fresh store works.
    std::int64_t id = store.createConversation(ec::test::untitled());
    store.appendUserTurn(id, "hello again");
    EXPECT_EQ(store.readConversation(id).messages.size(), 1u);
    EXPECT_EQ(store.integrityCheck(), "ok");
}

} // namespace

TEST(HistoryRecovery, TextFileIsMovedAsideAndAFreshStoreStarts)
{
    ScratchDir dir;
    expectQuarantined(dir, "these are my notes, not a database\n", "not an SQLite database");
}

TEST(HistoryRecovery, RandomBytesAreMovedAside)
{
    ScratchDir dir;
    std::mt19937 rng(1);
    std::string bytes(65536, '\0');
    for (char &c : bytes)
        c = char(rng());
    expectQuarantined(dir, bytes, "not an SQLite database");
}

TEST(HistoryRecovery, SqliteHeaderWithGarbageAfterItIsMovedAside)
{
    ScratchDir dir;
    std::mt19937 rng(2);
    std::string bytes = std::string("SQLite format 3", 16);
    bytes.resize(8192);
    for (std::size_t i = 16; i < bytes.size(); ++i)
        bytes[i] = char(rng());
    expectQuarantined(dir, bytes, "could not be read");
}

TEST(HistoryRecovery, DamagedSchemaPageIsMovedAside)
{
    ScratchDir dir;
    fs::path db = dir / "history.db";
    {
        HistoryStore store(db);
        std::int64_t id = store.createConversation(ec::test::untitled());
        store.appendUserTurn(id, "soon unreadable");
        store.database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    std::string bytes = fileBytes(db);
    ASSERT_GT(bytes.size(), 4096u);
    for (std::size_t i = 100; i < 4096; ++i) // page 1 after the header: the schema table
        bytes[i] = char(0xA5);
    expectQuarantined(dir, bytes, "malformed");
}

TEST(HistoryRecovery, AnotherProgramsDatabaseIsMovedAsideNotModified)
{
    ScratchDir dir;
    fs::path db = dir / "history.db";
    {
        Database other(db);
        other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
    }
    std::string before = fileBytes(db);
    HistoryStore store(db);
    EXPECT_NE(store.recoveryNotice().find("another program"), std::string::npos)
        << store.recoveryNotice();
    EXPECT_EQ(fileBytes(store.quarantinedFile()), before);
    Database moved(store.quarantinedFile(), Database::Mode::ReadOnly);
    EXPECT_EQ(moved.queryText("SELECT body FROM notes"), "keep me");
}

TEST(HistoryRecovery, StaleWalOfTheBadFileMovesWithIt)
{
    ScratchDir dir;
    fs::path db = dir / "history.db";
    writeBytes(db, "not a database at all");
    writeBytes(db.string() + "-wal", "old wal content");
    HistoryStore store(db);
    EXPECT_TRUE(fs::exists(store.quarantinedFile().string() + "-wal"));
    EXPECT_EQ(fileBytes(store.quarantinedFile().string() + "-wal"), "old wal content");
    EXPECT_EQ(store.conversationCount(), 0);
}

TEST(HistoryRecovery, EmptyFileIsANewHistoryNotCorruption)
{
    ScratchDir dir;
    fs::path db = dir / "history.db";
    writeBytes(db, "");
    HistoryStore store(db);
    EXPECT_TRUE(store.recoveryNotice().empty());
    EXPECT_TRUE(store.quarantinedFile().empty());
    EXPECT_EQ(store.database().queryInt("PRAGMA user_version"), kSchemaVersion);
}

TEST(HistoryRecovery, RepeatedFailuresKeepEveryBadFile)
{
    ScratchDir dir;
    fs::path db = dir / "history.db";
    std::set<fs::path> kept;
    for (int i = 0; i < 3; ++i) {
        writeBytes(db, "bad #" + std::to_string(i));
        fs::remove(db.string() + "-wal");
        fs::remove(db.string() + "-shm");
        HistoryStore store(db);
        kept.insert(store.quarantinedFile());
    }
    EXPECT_EQ(kept.size(), 3u) << "a second bad file never overwrites the first";
    int i = 0;
    for (const fs::path &p : kept)
        EXPECT_EQ(fileBytes(p).rfind("bad #", 0), 0u) << p << i++;
}

TEST(HistoryRecovery, AFolderAtThePathIsAnErrorNotAQuarantine)
{
    // Only damaged or foreign files are moved aside; anything else (here: a folder where the
    // file should be) is reported and left alone.
    ScratchDir dir;
    fs::create_directories(dir / "history.db" / "inside");
    try {
        HistoryStore store(dir / "history.db");
        FAIL() << "opened a folder as a database";
    } catch (const HistoryError &e) {
        EXPECT_NE(std::string(e.what()).find("cannot open the history"), std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(fs::is_directory(dir / "history.db" / "inside"));
    for (const auto &entry : fs::directory_iterator(dir.path()))
        EXPECT_EQ(entry.path().string().find("corrupt"), std::string::npos);
}
