// elastic-cli history over a store the test fills through the library.
#include "app/history/history_store.h"
#include "history_test_support.h"
#include "support/run_process.h"

#include <fstream>
#include <gtest/gtest.h>

using namespace ec::history;
using ec::test::runProcess;
using ec::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

std::string cli(const fs::path &db, const std::string &args)
{
    return std::string(EC_CLI_PATH) + " history --db '" + db.string() + "' " + args + " 2>&1";
}

std::int64_t fill(const fs::path &db)
{
    HistoryStore store(db);
    NewConversation info;
    info.title = "Picnic photos";
    info.cache.policy = "elastic";
    std::int64_t id = store.createConversation(info);
    store.appendUserTurn(id, "Who is on the blanket?", {ec::test::makeImage(5)});
    AnswerWriter a = store.beginAnswer(id);
    a.append("Two people and a very curious dog.");
    FinishInfo done;
    done.stats = ec::test::makeStats(7);
    a.finish(done);
    info.title = "Second chat";
    store.createConversation(info);
    return id;
}

} // namespace

TEST(HistoryCli, ListShowStatsSearch)
{
    ScratchDir dir;
    fs::path db = dir / "h.db";
    std::int64_t id = fill(db);

    auto list = runProcess(cli(db, "list"));
    ASSERT_EQ(list.exitCode, 0) << list.output;
    EXPECT_NE(list.output.find("Picnic photos"), std::string::npos) << list.output;
    EXPECT_LT(list.output.find("Second chat"), list.output.find("Picnic photos")) << "newest first";
    EXPECT_NE(list.output.find("(2 of 2 conversations"), std::string::npos) << list.output;
    auto page = runProcess(cli(db, "list --limit 1 --offset 1"));
    EXPECT_NE(page.output.find("Picnic photos"), std::string::npos) << page.output;
    EXPECT_EQ(page.output.find("Second chat"), std::string::npos) << page.output;

    auto show = runProcess(cli(db, "show " + std::to_string(id)));
    ASSERT_EQ(show.exitCode, 0) << show.output;
    EXPECT_NE(show.output.find("Who is on the blanket?"), std::string::npos);
    EXPECT_NE(show.output.find("very curious dog"), std::string::npos);
    EXPECT_NE(show.output.find("[image 37x24 image/png"), std::string::npos) << show.output;
    EXPECT_NE(show.output.find("1007 -> 507 entries"), std::string::npos) << show.output;

    auto stats = runProcess(cli(db, "stats " + std::to_string(id)));
    ASSERT_EQ(stats.exitCode, 0) << stats.output;
    EXPECT_NE(stats.output.find("1007->507"), std::string::npos) << stats.output;
    EXPECT_NE(stats.output.find("cuda:0 (NVIDIA H200)"), std::string::npos);
    EXPECT_NE(stats.output.find("merged 457, evicted 57"), std::string::npos) << stats.output;
    auto totals = runProcess(cli(db, "stats"));
    EXPECT_NE(totals.output.find("conversations: 2"), std::string::npos) << totals.output;
    EXPECT_NE(totals.output.find("schema:        version " + std::to_string(kSchemaVersion)),
              std::string::npos);

    auto found = runProcess(cli(db, "search curious"));
    EXPECT_NE(found.output.find("[curious]"), std::string::npos) << found.output;
    EXPECT_NE(found.output.find("(1 found)"), std::string::npos) << found.output;
}

TEST(HistoryCli, ExportImportDelete)
{
    ScratchDir dir;
    fs::path db = dir / "h.db";
    std::int64_t id = fill(db);
    auto md = runProcess(
        cli(db, "export " + std::to_string(id) + " --out '" + (dir / "md").string() + "'"));
    ASSERT_EQ(md.exitCode, 0) << md.output;
    EXPECT_TRUE(fs::exists(dir / "md" / ("picnic-photos-" + std::to_string(id) + ".md")))
        << md.output;
    auto json = runProcess(cli(db, "export " + std::to_string(id) + " --format json --out '" +
                                       (dir / "c.json").string() + "'"));
    ASSERT_EQ(json.exitCode, 0) << json.output;
    ASSERT_TRUE(fs::exists(dir / "c.json"));

    fs::path other = dir / "other.db";
    auto imp = runProcess(cli(other, "import '" + (dir / "c.json").string() + "'"));
    ASSERT_EQ(imp.exitCode, 0) << imp.output;
    EXPECT_NE(imp.output.find("imported as conversation 1"), std::string::npos) << imp.output;
    {
        HistoryStore check(other);
        ConversationDetail d = check.readConversation(1);
        EXPECT_EQ(d.conversation.title, "Picnic photos");
        ASSERT_EQ(d.messages.size(), 2u);
        EXPECT_TRUE(d.messages[1].stats);
    }

    auto del = runProcess(cli(db, "delete " + std::to_string(id)));
    ASSERT_EQ(del.exitCode, 0) << del.output;
    auto gone = runProcess(cli(db, "show " + std::to_string(id)));
    EXPECT_NE(gone.exitCode, 0);
    EXPECT_NE(gone.output.find("no conversation with id"), std::string::npos) << gone.output;
    auto again = runProcess(cli(db, "delete " + std::to_string(id)));
    EXPECT_NE(again.exitCode, 0);
}

TEST(HistoryCli, BadFileIsMovedAsideWithAMessage)
{
    ScratchDir dir;
    fs::path db = dir / "h.db";
    std::ofstream(db) << "garbage, not a database";
    auto list = runProcess(cli(db, "list"));
    EXPECT_EQ(list.exitCode, 0) << list.output;
    EXPECT_NE(list.output.find("could not be read"), std::string::npos) << list.output;
    EXPECT_NE(list.output.find("new, empty history"), std::string::npos) << list.output;
    bool kept = false;
    for (const auto &entry : fs::directory_iterator(dir.path()))
        kept = kept || entry.path().filename().string().rfind("h.db.corrupt-", 0) == 0;
    EXPECT_TRUE(kept);
}

TEST(HistoryCli, DefaultsToTheDataDirectory)
{
    ScratchDir dir;
    auto list = runProcess("EC_DATA_DIR='" + dir.path().string() + "' " + std::string(EC_CLI_PATH) +
                           " history list 2>&1");
    EXPECT_EQ(list.exitCode, 0) << list.output;
    EXPECT_TRUE(fs::exists(dir / "history.db"));
}

TEST(HistoryCli, BenchRunsOnAScratchHistory)
{
    ScratchDir dir;
    auto bench = runProcess(std::string(EC_LAB_PATH) +
                            " bench history --conversations 200 "
                            "--messages 100 --images 10 --image-kib 8 --repeats 1 --dir '" +
                            dir.path().string() + "' 2>&1");
    ASSERT_EQ(bench.exitCode, 0) << bench.output;
    EXPECT_NE(bench.output.find("list all 200 conversations"), std::string::npos) << bench.output;
    EXPECT_NE(bench.output.find("open conversation (100 messages, 10 images, metadata)"), std::string::npos)
        << bench.output;
}
