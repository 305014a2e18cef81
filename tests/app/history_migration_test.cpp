// Upgrading files written by older versions: the committed schema-1 fixture opens with every row
// intact after a backup; a failing upgrade leaves the file exactly as it was.
#include "app/history/history_store.h"
#include "app/history/sha256.h"
#include "history_test_support.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>

using namespace ec::history;
using ec::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

const fs::path kFixture = fs::path(EC_TEST_SOURCE_DIR) / "tests/fixtures/history/history-v1.db";

std::string fileBytes(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path copyFixture(const ScratchDir &dir)
{
    fs::path db = dir / "history.db";
    fs::copy_file(kFixture, db);
    fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write);
    return db;
}

// The fixture's content, as make_v1_fixture.sh wrote it.
void expectFixtureData(HistoryStore &store)
{
    auto list = store.listConversations(10);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].id, 2);
    EXPECT_EQ(list[1].id, 1);
    EXPECT_EQ(list[1].messageCount, 5);

    ConversationDetail d = store.readConversation(1);
    EXPECT_EQ(d.conversation.title, "Red square 'quoted' 🟥");
    EXPECT_EQ(d.conversation.createdAt, 1700000000000);
    EXPECT_EQ(d.conversation.updatedAt, 1700000060000);
    EXPECT_EQ(d.conversation.modelPath, "/models/llava-1.5-7b");
    EXPECT_EQ(d.conversation.modelFingerprint, "") << "new column, default value";
    EXPECT_EQ(d.conversation.cache.policy, "elastic");
    EXPECT_EQ(d.conversation.cache.budgetRatio, 0.5);
    EXPECT_EQ(d.conversation.settingsJson, R"({"temperature":0.2})");
    ASSERT_EQ(d.messages.size(), 5u);
    EXPECT_EQ(d.messages[0].role, Role::System);
    EXPECT_EQ(d.messages[1].text, "What colour is this square?");
    EXPECT_EQ(d.messages[1].promptTokens, 620);
    EXPECT_EQ(d.messages[2].text, "It is red.");
    EXPECT_EQ(d.messages[2].completionTokens, 4);
    EXPECT_EQ(d.messages[2].updatedAt, d.messages[2].createdAt) << "filled by the migration";
    EXPECT_EQ(d.messages[3].text, "And this one? Compare \"both\".");
    EXPECT_EQ(d.messages[4].status, MessageStatus::Cancelled);
    EXPECT_EQ(d.messages[4].text, "The second is blu");
    ASSERT_EQ(d.messages[1].attachments.size(), 1u);
    ASSERT_EQ(d.messages[3].attachments.size(), 2u);
    EXPECT_EQ(d.messages[3].attachments[1].width, 3);
    EXPECT_EQ(d.messages[3].attachments[1].height, 1);
    for (const Message &m : d.messages)
        for (const Attachment &a : m.attachments) {
            auto bytes = store.imageBytes(a.sha256);
            ASSERT_TRUE(bytes);
            EXPECT_EQ(sha256Hex(bytes->data(), bytes->size()), a.sha256) << "blob intact";
            EXPECT_EQ(std::int64_t(bytes->size()), a.size);
        }

    ConversationDetail d2 = store.readConversation(2);
    EXPECT_EQ(d2.conversation.cache.budgetBytes, 8589934592);
    ASSERT_EQ(d2.messages.size(), 2u);
    EXPECT_EQ(d2.messages[0].text, "Hello 👋");
    EXPECT_EQ(d2.messages[1].status, MessageStatus::Failed);
}

} // namespace

TEST(HistoryMigration, FixtureIsSchemaVersionOne)
{
    ASSERT_TRUE(fs::exists(kFixture)) << kFixture;
    // A copy: even a read-only WAL connection would leave -wal/-shm files in the source tree.
    ScratchDir dir;
    Database db(copyFixture(dir), Database::Mode::ReadOnly);
    EXPECT_EQ(db.queryInt("PRAGMA user_version"), 1);
    EXPECT_EQ(db.queryInt("PRAGMA application_id"), kApplicationId);
    EXPECT_EQ(db.queryInt("SELECT count(*) FROM sqlite_master WHERE name = 'turn_stats'"), 0);
    EXPECT_FALSE(fs::exists(kFixture.string() + "-wal")) << "tests must never open the fixture";
}

TEST(HistoryMigration, VersionOneOpensWithAllDataAfterABackup)
{
    ScratchDir dir;
    fs::path db = copyFixture(dir);
    std::string original = fileBytes(db);
    {
        HistoryStore store(db);
        EXPECT_EQ(store.migration().fromVersion, 1);
        EXPECT_EQ(store.migration().toVersion, kSchemaVersion);
        EXPECT_EQ(store.migration().backup, fs::path(db.string() + ".v1.bak"));
        EXPECT_EQ(store.database().queryInt("PRAGMA user_version"), kSchemaVersion);
        expectFixtureData(store);
        EXPECT_EQ(store.integrityCheck(), "ok");
        EXPECT_FALSE(store.database().prepare("PRAGMA foreign_key_check").step());
        // Migrated rows are searchable, and new data can use the new columns.
        EXPECT_EQ(store.search("colour").size(), 1u);
        AnswerWriter a = store.beginAnswer(1);
        a.append("now with statistics");
        FinishInfo info;
        info.stats = ec::test::makeStats(1);
        a.finish(info);
        EXPECT_TRUE(store.readConversation(1).messages.back().stats);
    }
    // The backup is the version-1 database with the same rows.
    {
        Database backup(db.string() + ".v1.bak", Database::Mode::ReadOnly);
        EXPECT_EQ(backup.queryInt("PRAGMA user_version"), 1);
        EXPECT_EQ(backup.queryInt("SELECT count(*) FROM messages"), 7);
        EXPECT_EQ(backup.queryText("SELECT text FROM messages WHERE id = 5"), "The second is blu");
        EXPECT_EQ(backup.queryText("PRAGMA integrity_check"), "ok");
    }
    // Opening again neither migrates nor backs up a second time.
    HistoryStore again(db);
    EXPECT_EQ(again.migration().fromVersion, kSchemaVersion);
    EXPECT_TRUE(again.migration().backup.empty());
    EXPECT_FALSE(fs::exists(db.string() + ".v3.bak"));
}

TEST(HistoryMigration, UpgradedSchemaEqualsAFreshOne)
{
    ScratchDir dir;
    fs::path db = copyFixture(dir);
    std::vector<std::string> upgraded, fresh;
    {
        HistoryStore store(db);
        upgraded = schemaDump(store.database());
    }
    {
        HistoryStore store(dir / "fresh.db");
        fresh = schemaDump(store.database());
    }
    EXPECT_EQ(upgraded, fresh);
    EXPECT_GT(fresh.size(), 10u);
}

TEST(HistoryMigration, FailedUpgradeLeavesTheOriginalUntouched)
{
    ScratchDir dir;
    fs::path db = copyFixture(dir);
    // A half-upgraded or hand-edited file: the table version 2 creates is already there.
    {
        Database raw(db);
        raw.exec("CREATE TABLE turn_stats (leftover INTEGER)");
        raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    fs::remove(db.string() + "-wal");
    fs::remove(db.string() + "-shm");
    std::string before = fileBytes(db);

    try {
        HistoryStore store(db);
        FAIL() << "the upgrade should have failed";
    } catch (const HistoryError &e) {
        std::string message = e.what();
        EXPECT_NE(message.find("from schema version 1 to 2 failed"), std::string::npos) << message;
        EXPECT_NE(message.find("left as it was"), std::string::npos) << message;
    }
    EXPECT_EQ(fileBytes(db), before) << "not one byte of the original changed";
    EXPECT_TRUE(fs::exists(db.string() + ".v1.bak")) << "the backup was written first";
    for (const auto &entry : fs::directory_iterator(dir.path()))
        EXPECT_EQ(entry.path().string().find("corrupt"), std::string::npos)
            << "a failed upgrade is not corruption: nothing is moved aside";
    Database raw(db, Database::Mode::ReadOnly);
    EXPECT_EQ(raw.queryInt("PRAGMA user_version"), 1);
    EXPECT_EQ(raw.queryInt("SELECT count(*) FROM messages"), 7);
    EXPECT_EQ(raw.queryInt("SELECT count(*) FROM images"), 2);
    EXPECT_EQ(raw.queryInt("SELECT count(*) FROM sqlite_master WHERE name = 'messages_v2'"), 0);
}

TEST(HistoryMigration, ANewerSchemaIsRefusedAndLeftAlone)
{
    ScratchDir dir;
    fs::path db = dir / "history.db";
    {
        HistoryStore store(db);
        store.createConversation(ec::test::untitled());
        store.database().exec("PRAGMA user_version = 99");
    }
    std::string before = fileBytes(db);
    try {
        HistoryStore store(db);
        FAIL() << "a newer schema must not be opened";
    } catch (const HistoryError &e) {
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    }
    EXPECT_EQ(fileBytes(db), before);
    EXPECT_TRUE(fs::exists(db));
}

TEST(HistoryMigration, BackupsNeverOverwriteAnEarlierOne)
{
    ScratchDir dir;
    fs::path db = copyFixture(dir);
    {
        std::ofstream(db.string() + ".v1.bak") << "an earlier backup";
    }
    HistoryStore store(db);
    EXPECT_NE(store.migration().backup, fs::path(db.string() + ".v1.bak"));
    EXPECT_TRUE(fs::exists(store.migration().backup));
    EXPECT_EQ(fileBytes(db.string() + ".v1.bak"), "an earlier backup");
}
