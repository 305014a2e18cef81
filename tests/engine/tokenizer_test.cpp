// Tokenizer behaviour that needs no oracle: BOS handling, added tokens, streaming, the file
// readers' errors on hostile input, and a throughput benchmark (printed, not timed).
#include "engine/text/sentencepiece_model.h"
#include "engine/text/streaming_decoder.h"
#include "engine/text/tokenizer.h"
#include "engine/text/utf8.h"
#include "text_test_support.h"

#include <chrono>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>

using namespace ec::text;

namespace {

std::string readAll(const std::filesystem::path &p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

Tokenizer spmBpe()
{
    return Tokenizer::fromSentencePieceModel(ec::test::fixturePath("bpe.model"));
}

std::string errorOf(const std::function<void()> &f)
{
    try {
        f();
    } catch (const std::exception &e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(Tokenizer, EncodesWithAndWithoutBos)
{
    Tokenizer tok = spmBpe();
    auto with = tok.encode("hello world");
    auto without = tok.encode("hello world", false);
    ASSERT_EQ(with.size(), without.size() + 1);
    EXPECT_EQ(with[0], 1);
    EXPECT_TRUE(std::equal(without.begin(), without.end(), with.begin() + 1));
    EXPECT_EQ(tok.encode("", true), std::vector<int>{1});
    EXPECT_TRUE(tok.encode("", false).empty());
    EXPECT_EQ(tok.decode(with), "hello world");
    EXPECT_EQ(tok.pieces(tok.encode("\n", false)), (std::vector<std::string>{"▁", "<0x0A>"}));
}

TEST(Tokenizer, SentencePieceTreatsSpecialTextAsTextButJsonSplitsAddedTokens)
{
    Tokenizer spm = spmBpe();
    auto json = Tokenizer::fromTokenizerJson(ec::test::fixturePath("bpe.tokenizer.json"));
    EXPECT_EQ(json.tokenId("<image>"), 1500);
    EXPECT_EQ(json.tokenId("<pad>"), 1501);
    EXPECT_EQ(json.vocabSize(), 1502);
    EXPECT_TRUE(json.isSpecial(1500));
    auto ids = json.encode("a<image>b</s>", false);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), 1500), 1);
    EXPECT_EQ(ids.back(), 2);
    auto spmIds = spm.encode("a</s>", false);
    EXPECT_EQ(std::count(spmIds.begin(), spmIds.end(), 2), 0);
    EXPECT_EQ(json.decode(ids), "a b");
    EXPECT_EQ(json.decode(ids, false), "a<image> b</s>");
}

TEST(Tokenizer, WithSpecialTokenRegistersAnIdBeyondTheVocabulary)
{
    Tokenizer tok = spmBpe().withSpecialToken("<image>", 1600);
    EXPECT_EQ(tok.vocabSize(), 1601);
    EXPECT_EQ(tok.encode("x<image>", false).back(), 1600);
    EXPECT_EQ(tok.decode(std::vector<int>{1599, 1600}), ""); // the gap and a special token
    EXPECT_EQ(spmBpe().vocabSize(), 1500);                   // the original is unchanged
}

TEST(Tokenizer, StreamingHoldsBackIncompleteCharacters)
{
    Tokenizer tok = spmBpe();
    auto ids = tok.encode("ab 😀 c", false); // the emoji is four byte pieces
    StreamingDecoder stream(tok);
    std::vector<std::string> chunks;
    for (int id : ids)
        chunks.push_back(stream.push(id));
    chunks.push_back(stream.finish());
    std::string all;
    int emptyChunks = 0;
    for (const auto &c : chunks) {
        EXPECT_TRUE(isValidUtf8(c));
        emptyChunks += c.empty();
        all += c;
    }
    EXPECT_EQ(all, "ab 😀 c");
    EXPECT_GE(emptyChunks, 3); // three bytes of the emoji waited for the fourth
    // A character cut off at the end comes out as U+FFFD on finish.
    StreamingDecoder cut(tok);
    EXPECT_EQ(cut.push(3 + 0xF0), "");
    EXPECT_EQ(cut.finish(), "\xEF\xBF\xBD");
    EXPECT_THROW(cut.push(100000), std::out_of_range);
}

TEST(Utf8, IncompleteTailsAreRecognised)
{
    EXPECT_TRUE(endsWithIncompleteUtf8("a\xF0\x9F"));
    EXPECT_TRUE(endsWithIncompleteUtf8("\xE2"));
    EXPECT_FALSE(endsWithIncompleteUtf8("a\xF0\x9F\x98\x80"));
    EXPECT_FALSE(endsWithIncompleteUtf8("\x80"));     // a stray continuation byte
    EXPECT_FALSE(endsWithIncompleteUtf8("\xC0"));     // can only start an overlong form
    EXPECT_FALSE(endsWithIncompleteUtf8("\xED\xA0")); // would be a surrogate
    EXPECT_EQ(sanitizeUtf8("a\xFF"
                           "b"),
              "a\xEF\xBF\xBD"
              "b");
}

TEST(TokenizerFiles, HostileModelFilesGiveClearErrors)
{
    std::string model = readAll(ec::test::fixturePath("bpe.model"));
    EXPECT_NE(errorOf([] { Tokenizer::fromSentencePieceBytes(""); }).find("no pieces"),
              std::string::npos);
    EXPECT_NE(errorOf([&] {
                  Tokenizer::fromSentencePieceBytes(model.substr(0, model.size() / 2));
              }).find("malformed protobuf"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  Tokenizer::fromSentencePieceBytes("\x0a\xff\xff\xff\xff\x0f");
              }).find("past the end"),
              std::string::npos);
    std::string missing = ec::test::tempPath("missing.model");
    EXPECT_NE(errorOf([&] { Tokenizer::fromSentencePieceModel(missing); }).find(missing),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  Tokenizer::fromTokenizerJsonText("{\"model\": ");
              }).find("malformed tokenizer.json"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  Tokenizer::fromTokenizerJsonText(
                      R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                          "pre_tokenizer": {"type": "ByteLevel"}})");
              }).find("byte-level BPE"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  Tokenizer::fromTokenizerJsonText(
                      R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})");
              }).find("missing from the vocabulary"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  Tokenizer::fromDirectory("/nonexistent-dir");
              }).find("no tokenizer.json or tokenizer.model"),
              std::string::npos);
}

TEST(TokenizerFiles, ModelProtoFieldsAreRead)
{
    auto m = loadSentencePieceModel(ec::test::fixturePath("bpe.model"));
    EXPECT_EQ(m.modelType, SpModelProto::ModelType::Bpe);
    EXPECT_TRUE(m.byteFallback);
    EXPECT_FALSE(m.removeExtraWhitespaces);
    EXPECT_TRUE(m.addDummyPrefix);
    EXPECT_EQ(m.padId, -1);
    EXPECT_EQ(m.pieces.size(), 1500u);
    EXPECT_EQ(m.pieces[3].piece, "<0x00>");
    EXPECT_EQ(m.pieces[3].type, PieceType::Byte);
    auto u = loadSentencePieceModel(ec::test::fixturePath("unigram.model"));
    EXPECT_EQ(u.modelType, SpModelProto::ModelType::Unigram);
    EXPECT_FALSE(u.precompiledCharsmap.empty()); // nmt_nfkc
}

// Not a timed test: prints the throughput of tokenizing 100 kB (compare with one 7B decode step,
// roughly 20-100 ms on a GPU and far more on a CPU).
TEST(TokenizerBenchmark, Tokenize100kB)
{
    std::mt19937 rng(1);
    std::ifstream corpus(ec::test::fixturePath("parity_corpus.jsonl"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(corpus, line);)
        lines.push_back(nlohmann::json::parse(line).get<std::string>());
    std::string text;
    while (text.size() < 100 * 1000)
        text += lines[rng() % lines.size()] + "\n";
    for (const char *name : {"bpe.model", "bpe.tokenizer.json", "unigram.model"}) {
        std::string file = name;
        Tokenizer tok = file.ends_with(".json")
                            ? Tokenizer::fromTokenizerJson(ec::test::fixturePath(name))
                            : Tokenizer::fromSentencePieceModel(ec::test::fixturePath(name));
        auto start = std::chrono::steady_clock::now();
        auto ids = tok.encode(text);
        auto mid = std::chrono::steady_clock::now();
        std::string back = tok.decode(ids);
        auto end = std::chrono::steady_clock::now();
        double encMs = std::chrono::duration<double, std::milli>(mid - start).count();
        double decMs = std::chrono::duration<double, std::milli>(end - mid).count();
        std::printf("[ bench    ] %-20s encode %zu bytes -> %zu ids in %.2f ms (%.1f MB/s), "
                    "decode %.2f ms\n",
                    name, text.size(), ids.size(), encMs, text.size() / encMs / 1000.0, decMs);
        EXPECT_GT(ids.size(), text.size() / 8);
        EXPECT_GT(back.size(), text.size() * 9 / 10); // NFKC and "<s>" text change a little
    }
}

TEST(TokenizerFiles, DirectoryConfigControlsBosAndAddedTokens)
{
    namespace fs = std::filesystem;
    fs::path dir = ec::test::tempPath("tok_config_dir");
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy_file(ec::test::fixturePath("bpe.model"), dir / "tokenizer.model");
    ec::test::writeFile((dir / "tokenizer_config.json").string(), R"({
        "add_bos_token": false, "pad_token": "<pad>",
        "added_tokens_decoder": {"1500": {"content": "<image>", "special": true},
                                 "1501": {"content": "<pad>", "special": true}}})");
    Tokenizer tok = Tokenizer::fromDirectory(dir);
    EXPECT_EQ(tok.padId(), 1501);
    auto ids = tok.encode("hi<image>");
    EXPECT_NE(ids.front(), 1); // add_bos_token false
    EXPECT_EQ(ids.back(), 1500);
    // Like transformers' slow LlamaTokenizer: "</s>" written in the text is EOS here.
    EXPECT_EQ(tok.encode("a</s>", false).back(), 2);
}

TEST(Tokenizer, MetaspaceSplitStartsAWordAtEachSpace)
{
    auto j = nlohmann::json::parse(readAll(ec::test::fixturePath("bpe.metaspace.tokenizer.json")));
    j["pre_tokenizer"]["split"] = true;
    Tokenizer split = Tokenizer::fromTokenizerJsonText(j.dump());
    Tokenizer whole = Tokenizer::fromTokenizerJson(
        ec::test::fixturePath("bpe.metaspace.tokenizer.json"));
    EXPECT_EQ(split.encode("a cat is here", false), whole.encode("a cat is here", false));
    // Unsplit, two spaces can merge into "▁▁"; split, every "▁" starts a new word.
    EXPECT_EQ(whole.pieces(whole.encode("上海  我", false)),
              (std::vector<std::string>{"▁上海", "▁▁", "我"}));
    EXPECT_EQ(split.pieces(split.encode("上海  我", false)),
              (std::vector<std::string>{"▁上海", "▁", "▁我"}));
}
