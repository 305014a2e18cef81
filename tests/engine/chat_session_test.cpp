// ChatSession as the engine's one record of a conversation: a new policy replays the
// conversation inside it, a budget change does not, and a turn that fails after its prefill is
// replayed with the next one. Each replay is checked against a fresh ChatSession fed the same
// turns as history (greedy decoding on a tiny random checkpoint with the fixture tokenizer).
#include "cache/full_policy.h"
#include "engine/chat/chat_session.h"
#include "engine/model/vision_language_model.h"
#include "engine_test_support.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;
using namespace ec::engine;
namespace cache = ec::cache;

namespace {

// The full cache, except that the armed prefill's compaction fails (as an out-of-memory would)
// after the prompt's slots went live.
class FailingCompaction : public cache::FullPolicy
{
public:
    using FullPolicy::FullPolicy;
    static inline bool armed = false;
    cache::CompactionStats afterForward(cache::KvCache &cache,
                                        const cache::ForwardInfo &info) override
    {
        if (armed && info.phase == cache::Phase::Prefill) {
            armed = false;
            throw std::runtime_error("out of memory");
        }
        return FullPolicy::afterForward(cache, info);
    }
};

class ChatSessionRecord : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ec::tools::TinyModelSpec spec;
        spec.vocabSize = 1536; // the fixture tokenizer: 1500 pieces, <image> 1500, <pad> 1501
        spec.imageTokenId = 1500;
        ec::tools::writeTinyModel(dir_.path(), spec);
        fs::copy_file(fs::path(EC_TEST_SOURCE_DIR) / "tests/fixtures/tokenizer/bpe.tokenizer.json",
                      dir_ / "tokenizer.json");
        model_ = loadModel(dir_.path(), {"cpu", "f32"});
        gen_.maxNewTokens = 5;
    }

    ChatOptions under(const std::string &policy, double keepRatio = 1.0) const
    {
        ChatOptions options;
        options.session.policy.name = policy;
        options.session.policy.budget.keepRatio = keepRatio;
        return options;
    }

    at::Tensor image(ChatSession &chat) const
    {
        return chat.loadImage(fs::path(EC_TEST_SOURCE_DIR) / "resources/samples/coffee.png");
    }

    ec::test::TempDir dir_;
    std::unique_ptr<VisionLanguageModel> model_;
    GenerationOptions gen_;
};

} // namespace

TEST_F(ChatSessionRecord, ANewPolicyReplaysTheConversationInsideIt)
{
    ChatSession chat(*model_, dir_.path(), under("full"));
    const at::Tensor picture = image(chat);
    chat.ask("What is on the table?", {picture}, gen_);
    ASSERT_EQ(chat.turns().size(), 2u);
    ASSERT_EQ(chat.turns()[0].images.size(), 1u);

    cache::PolicyConfig local = under("local", 0.5).session.policy;
    chat.setPolicy(local);
    EXPECT_TRUE(chat.replayPending());
    EXPECT_EQ(chat.session().policy().name(), "local");
    const ChatReply second = chat.ask("Which colour is it?", {}, gen_);
    EXPECT_FALSE(chat.replayPending());

    // The same conversation handed to a fresh session under the new policy.
    ChatSession fresh(*model_, dir_.path(), under("local", 0.5));
    fresh.addHistory({chat.turns()[0], chat.turns()[1]});
    const ChatReply expected = fresh.ask("Which colour is it?", {}, gen_);
    EXPECT_EQ(second.text, expected.text);
    EXPECT_EQ(second.result.tokens, expected.result.tokens);
    EXPECT_EQ(chat.session().tokensSeen(), fresh.session().tokensSeen());
    EXPECT_EQ(chat.session().cache().size(), fresh.session().cache().size());
    // The replay fed the whole conversation again, image included, and Local compacted it.
    EXPECT_GT(second.result.stats.promptTokens, 225);
    EXPECT_LT(chat.session().cache().size(), chat.session().tokensSeen());
    EXPECT_EQ(chat.turns().size(), 4u);
}

TEST_F(ChatSessionRecord, ABudgetChangeAppliesWithoutAReplay)
{
    ChatSession chat(*model_, dir_.path(), under("elastic", 0.8));
    chat.ask("What is on the table?", {image(chat)}, gen_);
    const int64_t seenAfterFirst = chat.session().tokensSeen();

    cache::PolicyConfig tighter = chat.session().policy().config();
    tighter.budget.keepRatio = 0.3;
    chat.setPolicy(tighter); // same rules, another budget: no new cache
    EXPECT_FALSE(chat.replayPending());
    const ChatReply second = chat.ask("Which colour is it?", {}, gen_);
    EXPECT_EQ(chat.session().tokensSeen(), seenAfterFirst + second.result.stats.promptTokens +
                                               second.result.stats.decodeTokens);
    EXPECT_DOUBLE_EQ(chat.session().policy().config().budget.keepRatio, 0.3);
    EXPECT_LE(double(chat.session().cache().size()),
              std::ceil(0.3 * double(chat.session().tokensSeen())) + 1);
}

TEST_F(ChatSessionRecord, ATurnThatFailsAfterItsPrefillIsReplayedWithTheNext)
{
    ChatSession chat(*model_, dir_.path(), under("full"));
    chat.ask("What is on the table?", {image(chat)}, gen_);
    const auto failing = [](const std::string &) { throw std::runtime_error("disk full"); };
    EXPECT_THROW(chat.ask("Which colour is it?", {}, gen_, failing), std::runtime_error);
    // Nothing of the failed turn is kept, but the cache read its prompt: rebuild it.
    EXPECT_EQ(chat.turns().size(), 2u);
    EXPECT_TRUE(chat.replayPending());

    const ChatReply next = chat.ask("Describe it again.", {}, gen_);
    ChatSession fresh(*model_, dir_.path(), under("full"));
    fresh.addHistory({chat.turns()[0], chat.turns()[1]});
    const ChatReply expected = fresh.ask("Describe it again.", {}, gen_);
    EXPECT_EQ(next.result.tokens, expected.result.tokens);
    EXPECT_EQ(chat.session().tokensSeen(), fresh.session().tokensSeen());
}

TEST_F(ChatSessionRecord, AFailedPrefillLeavesTheCacheAsItWas)
{
    ChatSession chat(*model_, dir_.path(), under("full"));
    chat.ask("What is on the table?", {image(chat)}, gen_);
    const int64_t seen = chat.session().tokensSeen();
    // An image tensor of the wrong size fails the forward before any slot is written.
    EXPECT_ANY_THROW(chat.ask("And this?", {at::zeros({1, 3, 7, 7})}, gen_));
    EXPECT_FALSE(chat.replayPending());
    EXPECT_EQ(chat.session().tokensSeen(), seen);
    EXPECT_EQ(chat.turns().size(), 2u);
}

TEST_F(ChatSessionRecord, ACompactionThatFailsAfterThePrefillIsReplayedWithTheNextTurn)
{
    cache::registerPolicy("test-failing-compaction", [](const cache::PolicyConfig &c) {
        return std::make_unique<FailingCompaction>(c);
    });
    ChatSession chat(*model_, dir_.path(), under("test-failing-compaction"));
    chat.ask("What is on the table?", {image(chat)}, gen_);
    FailingCompaction::armed = true;
    EXPECT_THROW(chat.ask("Which colour is it?", {}, gen_), std::runtime_error);
    EXPECT_TRUE(chat.replayPending());
    EXPECT_EQ(chat.turns().size(), 2u);

    const ChatReply next = chat.ask("Describe it again.", {}, gen_);
    ChatSession fresh(*model_, dir_.path(), under("full"));
    fresh.addHistory({chat.turns()[0], chat.turns()[1]});
    const ChatReply expected = fresh.ask("Describe it again.", {}, gen_);
    EXPECT_EQ(next.result.tokens, expected.result.tokens);
    EXPECT_EQ(chat.session().tokensSeen(), fresh.session().tokensSeen());
}
