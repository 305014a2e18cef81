// Tokenizer parity with the real SentencePiece (Debian's python3-sentencepiece) on a 2,215-entry
// corpus: the .model reader (BPE and unigram) and the tokenizer.json reader (both flavours).
#include "engine/text/streaming_decoder.h"
#include "engine/text/tokenizer.h"
#include "engine/text/utf8.h"
#include "text_test_support.h"

#include <gtest/gtest.h>
#include <map>

using ec::text::StreamingDecoder;
using ec::text::Tokenizer;
using nlohmann::json;

namespace {

// Oracle output per model, computed once per process.
const json &oracle(const std::string &model)
{
    static std::map<std::string, json> cache;
    auto it = cache.find(model);
    if (it != cache.end())
        return it->second;
    std::string error;
    std::string cmd =
        "/usr/bin/python3 " +
        ec::test::shellQuote(ec::test::sourcePath("tests/engine/oracles/spm_oracle.py").string()) +
        " " + ec::test::shellQuote(ec::test::fixturePath(model).string()) + " " +
        ec::test::shellQuote(ec::test::fixturePath("parity_corpus.jsonl").string()) +
        " '--added=<unk>=0' '--added=<s>=1' '--added=</s>=2'"
        " '--added=<image>=1500' '--added=<pad>=1501' 2>&1";
    json j = ec::test::runJson(cmd, error);
    if (j.is_null())
        ADD_FAILURE() << "oracle failed: " << error;
    return cache.emplace(model, std::move(j)).first->second;
}

class TokenizerParity : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (!ec::test::debianPythonHas("sentencepiece"))
            GTEST_SKIP() << "oracle unavailable: /usr/bin/python3 lacks python3-sentencepiece "
                            "(packaging/install-deps.sh installs it)";
    }

    // Checks encode ids (from `idsKey`), decode text and random-id decode for one tokenizer.
    static void check(const Tokenizer &tok, const json &o, const char *idsKey)
    {
        ASSERT_FALSE(o.is_null());
        ASSERT_GE(o["entries"].size(), 2000u);
        int mismatches = 0;
        for (const auto &e : o["entries"]) {
            auto text = e["text"].get<std::string>();
            auto want = e[idsKey].get<std::vector<int>>();
            auto got = tok.encode(text, false);
            if (got != want && ++mismatches <= 5) {
                ADD_FAILURE() << "encode mismatch for " << json(text).dump() << "\n want "
                              << json(want).dump() << "\n  got " << json(got).dump();
            }
            auto spmIds = e["ids"].get<std::vector<int>>();
            EXPECT_EQ(tok.decode(spmIds), e["decoded"].get<std::string>()) << json(text).dump();
        }
        EXPECT_EQ(mismatches, 0);
        for (const auto &r : o["random"]) {
            auto ids = r["ids"].get<std::vector<int>>();
            EXPECT_EQ(tok.decode(ids), r["decoded"].get<std::string>()) << json(ids).dump();
        }
    }
};

} // namespace

TEST_F(TokenizerParity, SentencePieceBpeModel)
{
    auto tok = Tokenizer::fromSentencePieceModel(ec::test::fixturePath("bpe.model"));
    const json &o = oracle("bpe.model");
    EXPECT_EQ(tok.vocabSize(), o["vocab_size"].get<int>());
    EXPECT_EQ(tok.bosId(), o["bos"].get<int>());
    EXPECT_EQ(tok.eosId(), o["eos"].get<int>());
    EXPECT_EQ(tok.unkId(), o["unk"].get<int>());
    check(tok, o, "ids");
}

TEST_F(TokenizerParity, SentencePieceUnigramModelWithNfkc)
{
    auto tok = Tokenizer::fromSentencePieceModel(ec::test::fixturePath("unigram.model"));
    const json &o = oracle("unigram.model");
    EXPECT_EQ(tok.vocabSize(), o["vocab_size"].get<int>());
    check(tok, o, "ids");
}

TEST_F(TokenizerParity, TokenizerJsonLegacyFlavour)
{
    auto tok = Tokenizer::fromTokenizerJson(ec::test::fixturePath("bpe.tokenizer.json"));
    check(tok, oracle("bpe.model"), "legacy_ids");
}

TEST_F(TokenizerParity, TokenizerJsonMetaspaceFlavour)
{
    auto tok = Tokenizer::fromTokenizerJson(ec::test::fixturePath("bpe.metaspace.tokenizer.json"));
    check(tok, oracle("bpe.model"), "metaspace_ids");
}

TEST_F(TokenizerParity, StreamingDecodeEqualsDecodeAndNeverSplitsCharacters)
{
    auto tok = Tokenizer::fromSentencePieceModel(ec::test::fixturePath("bpe.model"));
    const json &o = oracle("bpe.model");
    ASSERT_FALSE(o.is_null());
    auto run = [&](const std::vector<int> &ids, const std::string &want) {
        StreamingDecoder stream(tok);
        std::string all;
        for (int id : ids) {
            std::string chunk = stream.push(id);
            EXPECT_TRUE(ec::text::isValidUtf8(chunk)) << json(ids).dump();
            all += chunk;
        }
        all += stream.finish();
        EXPECT_EQ(all, want) << json(ids).dump();
    };
    for (const auto &e : o["entries"])
        run(e["ids"].get<std::vector<int>>(), e["decoded"].get<std::string>());
    for (const auto &r : o["random"])
        run(r["ids"].get<std::vector<int>>(), r["decoded"].get<std::string>());
}
