// lab/demo_trainer/train_demo_tokenizer.py on a small demo-world corpus: its files load in our tokenizer,
// the three loaders agree, <image> is a single added token, descriptions are 60-150 tokens.
#include "demo_test_support.h"
#include "engine/text/tokenizer.h"
#include "lab/demo_world/world_set.h"

#include <gtest/gtest.h>

using ec::text::Tokenizer;

TEST(DemoTokenizer, LoadsAndTheLoadersAgree)
{
    const auto dir = demoTokenizerDir();
    const auto fromJson = Tokenizer::fromTokenizerJson(dir / "tokenizer.json");
    const auto fromModel = Tokenizer::fromSentencePieceModel(dir / "tokenizer.model");
    const auto fromDir = Tokenizer::fromDirectory(dir);
    EXPECT_EQ(fromJson.tokenId("<image>"), 512);
    EXPECT_EQ(fromJson.tokenId("<pad>"), 513);
    EXPECT_EQ(fromDir.tokenId("<image>"), 512);
    EXPECT_EQ(fromJson.tokenId("<s>"), 1);
    EXPECT_EQ(fromJson.tokenId("</s>"), 2);
    for (uint64_t i = 1000; i < 1030; ++i) {
        for (const auto &t : ec::demo::trainingItem(21, i).turns) {
            const std::string text = "USER: " + t.question + " ASSISTANT: " + t.answer;
            const auto ids = fromJson.encode(text);
            EXPECT_EQ(ids, fromModel.encode(text)) << text;
            EXPECT_EQ(ids, fromDir.encode(text)) << text;
            EXPECT_EQ(fromJson.decode(ids), text);
            ASSERT_FALSE(ids.empty());
            EXPECT_EQ(ids[0], 1); // BOS
            for (size_t k = 1; k < ids.size(); ++k)
                EXPECT_GE(ids[k], 3 + 256) << "byte fallback or unknown piece in: " << text;
        }
    }
    const auto withImage = fromJson.encode("USER: <image>\nWhat shape is in the center?", false);
    EXPECT_EQ(std::count(withImage.begin(), withImage.end(), 512), 1);
}

TEST(DemoTokenizer, DescriptionsAreSixtyToHundredFiftyTokens)
{
    const auto tok = Tokenizer::fromTokenizerJson(demoTokenizerDir() / "tokenizer.json");
    ec::demo::Rng rng(4);
    for (int i = 0; i < 50; ++i) {
        const auto n =
            tok.encode(ec::demo::describeScene(ec::demo::randomScene(rng)), false).size();
        EXPECT_GE(n, 60u);
        EXPECT_LE(n, 150u);
    }
}

TEST(DemoTokenizer, HeldOutConversationsAreLongerThanFiveHundredTokens)
{
    // 500+ tokens, so that a cache budget of 0.3 has to drop or merge real content; counted
    // with the planned 36 image tokens per image (48-px images, patch 8).
    const auto tok = Tokenizer::fromTokenizerJson(demoTokenizerDir() / "tokenizer.json");
    ec::demo::Rng rng(8);
    for (int i = 0; i < 20; ++i) {
        const auto c = ec::demo::longConversation(rng, i % 2 == 0);
        size_t tokens = 36 * c.scenes.size();
        for (const auto &t : c.turns)
            tokens += tok.encode("USER: " + t.question + " ASSISTANT: " + t.answer, false).size();
        EXPECT_GE(tokens, 500u);
    }
}
