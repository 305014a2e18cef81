// Export to Markdown (images as files) and JSON, and JSON import back into a store.
#include "app/history/conversation_export.h"
#include "app/history/history_store.h"
#include "history_test_support.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <nlohmann/json.hpp>

using namespace ec::history;
using ec::test::makeImage;
using ec::test::makeStats;
using ec::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

std::string fileText(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A conversation with everything an export must carry.
std::int64_t richConversation(HistoryStore &store)
{
    NewConversation info;
    info.title = "Cats & \"dogs\" 🐕";
    info.modelPath = "/models/llava-1.5-7b";
    info.modelFingerprint = "sha256:1234";
    info.cache = {"elastic", 0.25, 2LL << 30};
    info.settingsJson = R"({"temperature":0.7,"top_p":0.9})";
    std::int64_t id = store.createConversation(info);
    store.appendSystemMessage(id, "Be brief.");
    store.appendUserTurn(id, "What is in these?", {makeImage(1), makeImage(2)}, 1200);
    AnswerWriter a = store.beginAnswer(id);
    a.append("A cat and a dog.\n\n```\ncode\n```");
    FinishInfo done;
    done.completionTokens = 9;
    done.stats = makeStats(4);
    a.finish(done);
    store.appendUserTurn(id, std::string("and again\0with nul", 18), {makeImage(1)});
    AnswerWriter b = store.beginAnswer(id);
    b.append("The cat is");
    FinishInfo cancelled;
    cancelled.status = MessageStatus::Cancelled;
    b.finish(cancelled);
    return id;
}

void expectSameConversation(const ConversationDetail &a, const ConversationDetail &b)
{
    EXPECT_EQ(a.conversation.title, b.conversation.title);
    EXPECT_EQ(a.conversation.createdAt, b.conversation.createdAt);
    EXPECT_EQ(a.conversation.updatedAt, b.conversation.updatedAt);
    EXPECT_EQ(a.conversation.modelPath, b.conversation.modelPath);
    EXPECT_EQ(a.conversation.modelFingerprint, b.conversation.modelFingerprint);
    EXPECT_EQ(a.conversation.cache.policy, b.conversation.cache.policy);
    EXPECT_EQ(a.conversation.cache.budgetRatio, b.conversation.cache.budgetRatio);
    EXPECT_EQ(a.conversation.cache.budgetBytes, b.conversation.cache.budgetBytes);
    EXPECT_EQ(nlohmann::json::parse(a.conversation.settingsJson),
              nlohmann::json::parse(b.conversation.settingsJson));
    ASSERT_EQ(a.messages.size(), b.messages.size());
    for (std::size_t i = 0; i < a.messages.size(); ++i) {
        const Message &x = a.messages[i], &y = b.messages[i];
        SCOPED_TRACE("message " + std::to_string(i));
        EXPECT_EQ(x.role, y.role);
        EXPECT_EQ(x.text, y.text);
        EXPECT_EQ(x.status, y.status);
        EXPECT_EQ(x.createdAt, y.createdAt);
        EXPECT_EQ(x.promptTokens, y.promptTokens);
        EXPECT_EQ(x.completionTokens, y.completionTokens);
        ASSERT_EQ(x.attachments.size(), y.attachments.size());
        for (std::size_t k = 0; k < x.attachments.size(); ++k) {
            EXPECT_EQ(x.attachments[k].sha256, y.attachments[k].sha256);
            EXPECT_EQ(x.attachments[k].width, y.attachments[k].width);
            EXPECT_EQ(x.attachments[k].mime, y.attachments[k].mime);
        }
        ASSERT_EQ(bool(x.stats), bool(y.stats));
        if (x.stats) {
            EXPECT_EQ(x.stats->entriesAfter, y.stats->entriesAfter);
            EXPECT_EQ(x.stats->budgetBytes, y.stats->budgetBytes);
            EXPECT_DOUBLE_EQ(x.stats->decodeMs, y.stats->decodeMs);
            EXPECT_EQ(x.stats->device, y.stats->device);
        }
    }
}

} // namespace

TEST(HistoryExport, MarkdownHasTextStatsAndImagesBesideIt)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    std::int64_t id = richConversation(store);
    fs::path md = exportMarkdown(store, id, dir / "out");
    EXPECT_EQ(md.filename(), "cats-dogs-" + std::to_string(id) + ".md");
    std::string text = fileText(md);
    EXPECT_NE(text.find("# Cats & \"dogs\" 🐕"), std::string::npos);
    EXPECT_NE(text.find("## User"), std::string::npos);
    EXPECT_NE(text.find("A cat and a dog."), std::string::npos);
    EXPECT_NE(text.find("*(answer cancelled)*"), std::string::npos);
    EXPECT_NE(text.find("cache h2o: 1004 -> 504 entries"), std::string::npos) << text;
    EXPECT_NE(text.find("cuda:0 (NVIDIA H200)"), std::string::npos);
    // Both images as files, referenced by relative links, bytes identical.
    ConversationDetail d = store.readConversation(id);
    for (const Attachment &a : d.messages[1].attachments) {
        std::string rel = "cats-dogs-" + std::to_string(id) + "-images/" + a.sha256 + ".png";
        EXPECT_NE(text.find("](" + rel + ")"), std::string::npos) << rel;
        auto stored = *store.imageBytes(a.sha256);
        EXPECT_EQ(fileText(dir / "out" / rel), std::string(stored.begin(), stored.end()));
    }
    std::size_t files = 0;
    for ([[maybe_unused]] auto &f : fs::directory_iterator(dir / "out"))
        ++files;
    EXPECT_EQ(files, 2u) << "the .md and its image folder, no temporary files left";
}

TEST(HistoryExport, JsonRoundTripsIntoAnotherStore)
{
    ScratchDir dir;
    HistoryStore source(dir / "a.db");
    std::int64_t id = richConversation(source);
    std::string json = exportJson(source, id);
    auto doc = nlohmann::json::parse(json);
    EXPECT_EQ(doc["format"], kExportFormat);
    EXPECT_EQ(doc["version"], kExportVersion);
    EXPECT_EQ(doc["images"].size(), 2u) << "an image attached twice is embedded once";

    HistoryStore target(dir / "b.db");
    std::int64_t imported = importJson(target, json);
    expectSameConversation(source.readConversation(id), target.readConversation(imported));
    EXPECT_EQ(target.storeStats().images, 2);
    EXPECT_EQ(target.storeStats().imageBytes, source.storeStats().imageBytes);
    // Exporting the import gives the same document.
    EXPECT_EQ(exportJson(target, imported), json);
    // Importing into the same store again adds a copy and shares the images.
    std::int64_t again = importJson(source, json);
    EXPECT_NE(again, id);
    EXPECT_EQ(source.storeStats().images, 2);
}

TEST(HistoryExport, ImportRejectsDamagedOrForeignFilesWithoutWritingAnything)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    std::int64_t id = richConversation(store);
    auto good = nlohmann::json::parse(exportJson(store, id));
    std::int64_t before = store.conversationCount();

    auto expectRejected = [&](const std::string &text, const std::string &why) {
        try {
            importJson(store, text);
            ADD_FAILURE() << "accepted: " << why;
        } catch (const HistoryError &e) {
            EXPECT_NE(std::string(e.what()).find("cannot import"), std::string::npos) << e.what();
        }
    };
    expectRejected("{not json", "syntax");
    expectRejected("[]", "not an object");
    expectRejected(R"({"format":"something-else","version":1})", "format");
    auto future = good;
    future["version"] = 99;
    expectRejected(future.dump(), "version");
    auto badRole = good;
    badRole["messages"][0]["role"] = "root";
    expectRejected(badRole.dump(), "role");
    auto badType = good;
    badType["messages"][1]["text"] = 42;
    expectRejected(badType.dump(), "text type");
    auto tampered = good;
    std::string sha = good["messages"][1]["attachments"][0]["sha256"];
    std::string data = tampered["images"][sha];
    data[10] = data[10] == 'A' ? 'B' : 'A';
    tampered["images"][sha] = data;
    expectRejected(tampered.dump(), "image bytes do not match the hash");
    auto missing = good;
    missing["images"].erase(sha);
    HistoryStore empty(dir / "empty.db");
    try {
        importJson(empty, missing.dump());
        ADD_FAILURE() << "accepted an attachment without bytes";
    } catch (const HistoryError &) {
    }
    EXPECT_EQ(empty.conversationCount(), 0) << "a failed import leaves nothing behind";
    EXPECT_EQ(store.conversationCount(), before);
}

TEST(HistoryExport, SlugsAreSafeFileNames)
{
    EXPECT_EQ(slugify("Cats & dogs!"), "cats-dogs");
    EXPECT_EQ(slugify("../../etc/passwd"), "etc-passwd");
    EXPECT_EQ(slugify(""), "conversation");
    EXPECT_EQ(slugify("🐈🐈"), "conversation");
    EXPECT_LE(slugify(std::string(500, 'a')).size(), 60u);
}
