// elastic-cli tokenize / detokenize / preprocess, run as a separate process.
#include "engine/image/clip_preprocess.h"
#include "engine/image/image_decode.h"
#include "engine/text/tokenizer.h"
#include "text_test_support.h"

#include <cstring>
#include <gtest/gtest.h>
#include <sstream>

namespace fs = std::filesystem;
using ec::test::runProcess;
using ec::test::shellQuote;

namespace {

const std::string kCli = EC_CLI_PATH;

fs::path modelDir()
{
    fs::path dir = ec::test::tempPath("cli_model");
    fs::create_directories(dir);
    fs::copy_file(ec::test::fixturePath("bpe.tokenizer.json"), dir / "tokenizer.json",
                  fs::copy_options::overwrite_existing);
    ec::test::writeFile((dir / "preprocessor_config.json").string(),
                        R"({"size": {"shortest_edge": 56}, "crop_size": {"height": 56,
                            "width": 56}, "resample": 3, "do_center_crop": true})");
    return dir;
}

std::string run(const std::string &args)
{
    auto r = runProcess(shellQuote(kCli) + " " + args + " 2>&1");
    EXPECT_EQ(r.exitCode, 0) << args << "\n" << r.output;
    return r.output;
}

std::string joinIds(const std::vector<int> &ids)
{
    std::ostringstream s;
    for (size_t i = 0; i < ids.size(); ++i)
        s << (i ? " " : "") << ids[i];
    return s.str();
}

} // namespace

TEST(TextCli, TokenizePrintsIdsAndPieces)
{
    fs::path dir = modelDir();
    auto tok = ec::text::Tokenizer::fromDirectory(dir);
    std::string text = "USER: <image>\nWhat is shown? ASSISTANT:";
    std::string out = run("tokenize --model " + shellQuote(dir.string()) + " " + shellQuote(text));
    EXPECT_EQ(out, joinIds(tok.encode(text)) + "\n");
    out = run("tokenize --no-bos --pieces --model " + shellQuote(dir.string()) + " 'a b'");
    EXPECT_EQ(out, joinIds(tok.encode("a b", false)) + "\n▁a ▁b\n");
}

TEST(TextCli, TokenizeFilePrintsOneLinePerLine)
{
    fs::path dir = modelDir();
    std::string file = ec::test::tempPath("lines.txt");
    ec::test::writeFile(file, "first line\n\nthird 😀\n");
    auto tok = ec::text::Tokenizer::fromDirectory(dir);
    std::string out =
        run("tokenize --model " + shellQuote(dir.string()) + " --file " + shellQuote(file));
    EXPECT_EQ(out, joinIds(tok.encode("first line")) + "\n" + joinIds(tok.encode("")) + "\n" +
                       joinIds(tok.encode("third 😀")) + "\n");
}

TEST(TextCli, DetokenizePrintsTheText)
{
    fs::path dir = modelDir();
    auto tok = ec::text::Tokenizer::fromDirectory(dir);
    std::string text = "Hello wörld 😀\n2 cats";
    std::string out =
        run("detokenize --model " + shellQuote(dir.string()) + " " + joinIds(tok.encode(text)));
    EXPECT_EQ(out, text + "\n");
    out = run("detokenize --keep-special --model " + shellQuote(dir.string()) + " 1 1500 2");
    EXPECT_EQ(out, "<s><image></s>\n");
}

TEST(TextCli, PreprocessWritesPixelValuesSafetensors)
{
#ifndef EC_HAVE_OPENCV
    GTEST_SKIP() << "built without OpenCV";
#endif
    fs::path dir = modelDir();
    std::string image = ec::test::sourcePath("resources/samples/chelsea.png").string();
    std::string outFile = ec::test::tempPath("pv.safetensors");
    fs::remove(outFile);
    std::string out = run("preprocess --model " + shellQuote(dir.string()) + " --image " +
                          shellQuote(image) + " --out " + shellQuote(outFile));
    EXPECT_NE(out.find("[1, 3, 56, 56]"), std::string::npos) << out;

    std::ifstream in(outFile, std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(in), {}};
    ASSERT_GT(bytes.size(), 8u);
    uint64_t n;
    std::memcpy(&n, bytes.data(), 8);
    ASSERT_EQ(n % 8, 0u);
    auto header = nlohmann::json::parse(bytes.substr(8, n));
    EXPECT_EQ(header["__metadata__"]["format"], "pt");
    EXPECT_EQ(header["pixel_values"]["dtype"], "F32");
    EXPECT_EQ(header["pixel_values"]["shape"], nlohmann::json({1, 3, 56, 56}));
    EXPECT_EQ(header["pixel_values"]["data_offsets"], nlohmann::json({0, 3 * 56 * 56 * 4}));
    ASSERT_EQ(bytes.size(), 8 + n + 3 * 56 * 56 * 4);

    auto config = ec::image::PreprocessConfig::fromModelDirectory(dir);
    auto pv = ec::image::preprocessImage(ec::image::loadImage(image), config);
    EXPECT_EQ(0, std::memcmp(bytes.data() + 8 + n, pv.chw.data(), pv.chw.size() * 4));
}

TEST(TextCli, BadInputsFailWithOneMessage)
{
    fs::path dir = modelDir();
    auto r = runProcess(shellQuote(kCli) + " preprocess --model " + shellQuote(dir.string()) +
                        " --image " + shellQuote(ec::test::sourcePath("README.md").string()) +
                        " --out " + shellQuote(ec::test::tempPath("x.safetensors")) + " 2>&1");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.output.find("not an image"), std::string::npos) << r.output;
    r = runProcess(shellQuote(kCli) + " tokenize --model /nonexistent hello 2>&1");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.output.find("cannot load the tokenizer"), std::string::npos) << r.output;
    r = runProcess(shellQuote(kCli) + " detokenize --model " + shellQuote(dir.string()) +
                   " 999999 2>&1");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.output.find("outside the vocabulary"), std::string::npos) << r.output;
}
