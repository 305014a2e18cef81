// HistoryStore operations on a real SQLite file: conversations, turns, images, streaming answers,
// statistics, search.
#include "app/history/history_store.h"
#include "history_test_support.h"

#include <gtest/gtest.h>
#include <set>
#include <sqlite3.h>
#include <thread>

using namespace ec::history;
using ec::test::makeImage;
using ec::test::makeStats;
using ec::test::ScratchDir;

namespace {

NewConversation titled(const std::string &title)
{
    NewConversation info;
    info.title = title;
    info.modelPath = "/models/llava";
    info.modelFingerprint = "sha256:abc";
    info.cache = {"elastic", 0.5, std::nullopt};
    info.settingsJson = R"({"temperature":0.2})";
    return info;
}

std::int64_t countRows(HistoryStore &store, const std::string &table)
{
    return store.database().queryInt("SELECT count(*) FROM " + table);
}

} // namespace

TEST(HistoryStore, OpensWithWalForeignKeysAndCurrentSchema)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    EXPECT_EQ(store.database().queryText("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(store.database().queryInt("PRAGMA foreign_keys"), 1);
    EXPECT_EQ(store.database().queryInt("PRAGMA synchronous"), 1); // NORMAL between commits
    EXPECT_EQ(store.database().queryInt("PRAGMA user_version"), kSchemaVersion);
    EXPECT_EQ(store.database().queryInt("PRAGMA application_id"), kApplicationId);
    EXPECT_TRUE(store.recoveryNotice().empty());
    EXPECT_TRUE(store.migration().backup.empty()) << "a new file needs no backup";
}

TEST(HistoryStore, CreatesNestedDataDirectory)
{
    ScratchDir dir;
    HistoryStore store(dir / "a" / "b" / "history.db");
    EXPECT_TRUE(std::filesystem::exists(dir / "a/b/history.db"));
}

TEST(HistoryStore, CreateReadRenameConversation)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    std::int64_t id = store.createConversation(titled("First"));
    auto c = store.conversation(id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->title, "First");
    EXPECT_EQ(c->modelPath, "/models/llava");
    EXPECT_EQ(c->modelFingerprint, "sha256:abc");
    EXPECT_EQ(c->cache.policy, "elastic");
    EXPECT_EQ(c->cache.budgetRatio, 0.5);
    EXPECT_FALSE(c->cache.budgetBytes);
    EXPECT_EQ(c->settingsJson, R"({"temperature":0.2})");
    EXPECT_GT(c->createdAt, 1600000000000);

    store.renameConversation(id, "Renamed");
    EXPECT_EQ(store.conversation(id)->title, "Renamed");
    EXPECT_THROW(store.renameConversation(id + 100, "x"), HistoryError);
    store.updateCacheSettings(id, {"h2o", std::nullopt, 1LL << 32});
    c = store.conversation(id);
    EXPECT_EQ(c->cache.policy, "h2o");
    EXPECT_FALSE(c->cache.budgetRatio);
    EXPECT_EQ(c->cache.budgetBytes, 1LL << 32);
    EXPECT_FALSE(store.conversation(id + 100));
}

TEST(HistoryStore, ListIsPagedNewestFirst)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 25; ++i)
        ids.push_back(store.createConversation(titled(std::string("c").append(std::to_string(i)))));
    // Activity moves a conversation to the top.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    store.appendUserTurn(ids[3], "bump");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    store.appendUserTurn(ids[7], "bump");

    auto page1 = store.listConversations(10, 0);
    auto page2 = store.listConversations(10, 10);
    auto page3 = store.listConversations(10, 20);
    ASSERT_EQ(page1.size(), 10u);
    ASSERT_EQ(page2.size(), 10u);
    ASSERT_EQ(page3.size(), 5u);
    EXPECT_EQ(page1[0].id, ids[7]);
    EXPECT_EQ(page1[1].id, ids[3]);
    EXPECT_EQ(page1[0].messageCount, 1);
    std::vector<ConversationSummary> all = page1;
    all.insert(all.end(), page2.begin(), page2.end());
    all.insert(all.end(), page3.begin(), page3.end());
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < all.size(); ++i) {
        seen.insert(all[i].id);
        if (i > 0) {
            bool ordered = all[i - 1].updatedAt > all[i].updatedAt ||
                           (all[i - 1].updatedAt == all[i].updatedAt && all[i - 1].id > all[i].id);
            EXPECT_TRUE(ordered) << "at " << i;
        }
    }
    EXPECT_EQ(seen.size(), 25u) << "pages neither overlap nor skip";
    EXPECT_EQ(store.conversationCount(), 25);
}

TEST(HistoryStore, UserTurnWithImagesStoresEachImageOnce)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    std::int64_t id = store.createConversation(titled("pics"));
    auto a = makeImage(1), b = makeImage(2);
    std::int64_t m1 = store.appendUserTurn(id, "two images", {a, b}, 620);
    store.appendUserTurn(id, "the first again", {a});
    EXPECT_EQ(countRows(store, "images"), 2);
    EXPECT_EQ(countRows(store, "attachments"), 3);

    ConversationDetail d = store.readConversation(id);
    ASSERT_EQ(d.messages.size(), 2u);
    EXPECT_EQ(d.messages[0].id, m1);
    EXPECT_EQ(d.messages[0].promptTokens, 620);
    ASSERT_EQ(d.messages[0].attachments.size(), 2u);
    const Attachment &first = d.messages[0].attachments[0];
    EXPECT_EQ(first.width, a.width);
    EXPECT_EQ(first.height, a.height);
    EXPECT_EQ(first.mime, "image/png");
    EXPECT_EQ(first.size, std::int64_t(a.bytes.size()));
    EXPECT_EQ(first.sha256.size(), 64u);
    EXPECT_EQ(*store.imageBytes(first.sha256), a.bytes);
    EXPECT_EQ(*store.imageBytes(d.messages[0].attachments[1].sha256), b.bytes);
    EXPECT_EQ(d.messages[1].attachments[0].sha256, first.sha256);
    EXPECT_FALSE(store.imageBytes(std::string(64, '0')));
    // Image bytes live in their own table, never in the message row.
    EXPECT_LT(store.database().queryInt("SELECT max(length(text)) FROM messages"), 100);

    EXPECT_THROW(store.appendUserTurn(id + 1, "nowhere"), HistoryError);
}

TEST(HistoryStore, StreamingAnswerIsOneRowUpdatedAtABoundedRate)
{
    ScratchDir dir;
    StoreOptions options;
    options.streamFlushInterval = std::chrono::milliseconds(40);
    HistoryStore store(dir / "h.db", options);
    std::int64_t id = store.createConversation(titled("stream"));
    store.appendUserTurn(id, "tell me");

    AnswerWriter answer = store.beginAnswer(id);
    EXPECT_EQ(countRows(store, "messages"), 2) << "the answer row exists from the start";
    auto start = std::chrono::steady_clock::now();
    std::string expected;
    for (int i = 0; i < 400; ++i) {
        std::string token = "tok" + std::to_string(i) + " ";
        answer.append(token);
        expected += token;
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // At most one write per interval, and some writes happened while streaming.
    EXPECT_LE(answer.flushCount(), int(seconds / 0.040) + 1);
    EXPECT_GE(answer.flushCount(), 1);
    EXPECT_EQ(countRows(store, "messages"), 2) << "streaming never inserts more rows";

    // Another connection sees the partial text as streaming, a prefix of the final one.
    {
        HistoryStore reader(dir / "h.db");
        ConversationDetail partial = reader.readConversation(id);
        ASSERT_EQ(partial.messages.size(), 2u);
        EXPECT_EQ(partial.messages[1].status, MessageStatus::Streaming);
        EXPECT_EQ(expected.rfind(partial.messages[1].text, 0), 0u);
        EXPECT_FALSE(partial.messages[1].text.empty());
        EXPECT_EQ(reader.recoveredAnswers(), 0) << "a live writer's answer is not 'recovered'";
    }

    FinishInfo done;
    done.completionTokens = 400;
    done.stats = makeStats(3);
    answer.finish(done);
    EXPECT_THROW(answer.append("late"), HistoryError);
    ConversationDetail d = store.readConversation(id);
    const Message &m = d.messages[1];
    EXPECT_EQ(m.role, Role::Assistant);
    EXPECT_EQ(m.status, MessageStatus::Complete);
    EXPECT_EQ(m.text, expected);
    EXPECT_EQ(m.completionTokens, 400);
    ASSERT_TRUE(m.stats);
    TurnStats s = makeStats(3);
    EXPECT_EQ(m.stats->policy, s.policy);
    EXPECT_EQ(m.stats->budgetRatio, s.budgetRatio);
    EXPECT_EQ(m.stats->budgetBytes, s.budgetBytes);
    EXPECT_EQ(m.stats->entriesBefore, s.entriesBefore);
    EXPECT_EQ(m.stats->entriesAfter, s.entriesAfter);
    EXPECT_EQ(m.stats->bytesBefore, s.bytesBefore);
    EXPECT_EQ(m.stats->bytesAfter, s.bytesAfter);
    EXPECT_EQ(m.stats->merged, s.merged);
    EXPECT_EQ(m.stats->evicted, s.evicted);
    EXPECT_DOUBLE_EQ(m.stats->prefillMs, s.prefillMs);
    EXPECT_DOUBLE_EQ(m.stats->compactionMs, s.compactionMs);
    EXPECT_EQ(m.stats->decodeTokens, s.decodeTokens);
    EXPECT_DOUBLE_EQ(m.stats->decodeMs, s.decodeMs);
    EXPECT_EQ(m.stats->peakMemoryBytes, s.peakMemoryBytes);
    EXPECT_EQ(m.stats->device, s.device);
    EXPECT_FALSE(d.messages[0].stats);
}

TEST(HistoryStore, CancelledFailedAndAbandonedAnswersKeepTheirStatus)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    std::int64_t id = store.createConversation(titled("statuses"));
    {
        AnswerWriter a = store.beginAnswer(id);
        a.append("half an ans");
        FinishInfo info;
        info.status = MessageStatus::Cancelled;
        a.finish(info);
    }
    {
        AnswerWriter a = store.beginAnswer(id);
        FinishInfo info;
        info.status = MessageStatus::Failed;
        info.error = "CUDA out of memory";
        a.finish(info);
    }
    {
        AnswerWriter a = store.beginAnswer(id);
        a.append("dropped without finish");
        // e.g. an exception unwound the worker
    }
    ConversationDetail d = store.readConversation(id);
    ASSERT_EQ(d.messages.size(), 3u);
    EXPECT_EQ(d.messages[0].status, MessageStatus::Cancelled);
    EXPECT_EQ(d.messages[0].text, "half an ans");
    EXPECT_EQ(d.messages[1].status, MessageStatus::Failed);
    EXPECT_EQ(d.messages[1].error, "CUDA out of memory");
    EXPECT_EQ(d.messages[2].status, MessageStatus::Incomplete);
    EXPECT_EQ(d.messages[2].text, "dropped without finish");
    EXPECT_EQ(d.messages[0].seq + 1, d.messages[1].seq);
}

TEST(HistoryStore, AnswersLeftStreamingAreRecoveredOnlyWhenNoOtherStoreIsOpen)
{
    ScratchDir dir;
    std::int64_t id;
    {
        HistoryStore store(dir / "h.db");
        id = store.createConversation(titled("crash"));
        {
            AnswerWriter a = store.beginAnswer(id);
            a.append("partial");
        }
        // What a killed writer leaves behind (the crash test does it for real).
        store.database().exec("UPDATE messages SET status = 'streaming'");

        // Another store opened meanwhile must not touch it: its writer may be alive.
        HistoryStore second(dir / "h.db");
        EXPECT_EQ(second.recoveredAnswers(), 0);
        EXPECT_EQ(second.readConversation(id).messages[0].status, MessageStatus::Streaming);
    }
    HistoryStore reopened(dir / "h.db");
    EXPECT_EQ(reopened.recoveredAnswers(), 1);
    ConversationDetail d = reopened.readConversation(id);
    ASSERT_EQ(d.messages.size(), 1u);
    EXPECT_EQ(d.messages[0].status, MessageStatus::Incomplete);
    EXPECT_EQ(d.messages[0].text, "partial");
    // Recovered text becomes searchable like any finished answer.
    EXPECT_EQ(reopened.search("partial").size(), 1u);
}

TEST(HistoryStore, DeleteRemovesMessagesStatsAndOnlyOrphanedImages)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    auto shared = makeImage(10, 200000), own = makeImage(11, 200000);
    std::int64_t keep = store.createConversation(titled("keep"));
    std::int64_t drop = store.createConversation(titled("drop"));
    store.appendUserTurn(keep, "shared", {shared});
    store.appendUserTurn(drop, "both", {shared, own});
    AnswerWriter a = store.beginAnswer(drop);
    a.append("answer");
    FinishInfo info;
    info.stats = makeStats(1);
    a.finish(info);

    EXPECT_TRUE(store.deleteConversation(drop));
    EXPECT_FALSE(store.deleteConversation(drop));
    EXPECT_FALSE(store.conversation(drop));
    EXPECT_EQ(countRows(store, "messages"), 1);
    EXPECT_EQ(countRows(store, "attachments"), 1);
    EXPECT_EQ(countRows(store, "turn_stats"), 0);
    EXPECT_EQ(countRows(store, "images"), 1);
    auto detail = store.readConversation(keep);
    EXPECT_EQ(*store.imageBytes(detail.messages[0].attachments[0].sha256), shared.bytes);
    EXPECT_EQ(store.search("answer").size(), 0u);
    EXPECT_EQ(store.integrityCheck(), "ok");
    store.database().exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
    EXPECT_EQ(store.database().queryInt("PRAGMA freelist_count"), 0)
        << "incremental vacuum gave the image pages back";
}

TEST(HistoryStore, SearchFindsTitlesAndFinishedTextNewestFirst)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    std::int64_t cats = store.createConversation(titled("About cats"));
    std::int64_t boats = store.createConversation(titled("Harbour"));
    std::int64_t other = store.createConversation(titled("Other"));
    store.appendUserTurn(boats, "What is the red boat doing near the pier?");
    store.appendUserTurn(other, "Nothing relevant here. Café crème.");
    AnswerWriter a = store.beginAnswer(cats);
    a.append("The cat sits on a boat");
    a.flush();
    EXPECT_EQ(store.search("sits").size(), 0u) << "streaming text is indexed when it finishes";
    a.finish();

    auto boat = store.search("boat");
    ASSERT_EQ(boat.size(), 2u);
    EXPECT_EQ(boat[0].id, cats) << "newest first";
    EXPECT_EQ(boat[1].id, boats);
    EXPECT_NE(boat[1].snippet.find("[boat]"), std::string::npos) << boat[1].snippet;
    EXPECT_EQ(store.search("cats")[0].id, cats);
    EXPECT_EQ(store.search("red boat").size(), 1u) << "every word must match";
    EXPECT_EQ(store.search("pi").size(), 1u) << "the last word matches as a prefix";
    EXPECT_EQ(store.search("creme")[0].id, other) << "diacritics are folded";
    EXPECT_TRUE(store.search("").empty());
    // FTS syntax in user input is taken literally, never as an error.
    for (std::string odd : {"\"", "boat OR", "NEAR(", "*", "a:b", "-x", "''", "(", "^"})
        EXPECT_NO_THROW(store.search(odd)) << odd;
    store.renameConversation(other, "Sailing boat trip");
    EXPECT_EQ(store.search("sailing")[0].id, other);
    EXPECT_EQ(store.search("boat").size(), 3u);
}

TEST(HistoryStore, ConversationAndStoreStatistics)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    std::int64_t id = store.createConversation(titled("stats"));
    for (int turn = 0; turn < 3; ++turn) {
        store.appendUserTurn(id, "q", {makeImage(unsigned(turn))});
        AnswerWriter a = store.beginAnswer(id);
        a.append("a");
        FinishInfo info;
        info.stats = makeStats(turn);
        a.finish(info);
    }
    ConversationStats s = store.conversationStats(id);
    EXPECT_EQ(s.turns, 3);
    EXPECT_EQ(s.messages, 6);
    EXPECT_EQ(s.images, 3);
    EXPECT_EQ(s.decodeTokens, 64 * 3 + 0 + 1 + 2);
    EXPECT_DOUBLE_EQ(s.prefillMs, 120.5 * 3 + 3);
    EXPECT_EQ(s.merged, 450 * 3 + 3);
    EXPECT_EQ(s.evicted, 50 * 3 + 3);
    EXPECT_EQ(s.peakMemoryBytes, (15LL << 30) + 2);
    EXPECT_EQ(s.lastEntriesAfter, 502);
    EXPECT_EQ(s.lastBytesAfter, 502LL * 524288);
    EXPECT_THROW(store.conversationStats(id + 1), HistoryError);

    StoreStats all = store.storeStats();
    EXPECT_EQ(all.conversations, 1);
    EXPECT_EQ(all.messages, 6);
    EXPECT_EQ(all.images, 3);
    EXPECT_EQ(all.imageBytes, 3 * 4096);
    EXPECT_EQ(all.schemaVersion, kSchemaVersion);
    EXPECT_GT(all.fileBytes, all.imageBytes);
}
