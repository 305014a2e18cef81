// elastic-cli chat end to end on a tiny random checkpoint with the fixture tokenizer: several
// turns with an image, streamed to stdout, statistics per turn on stderr, cache held at budget.
#include "support/run_process.h"
#include "engine/checkpoint/safetensors.h"
#include "lab/tiny_model/tiny_model.h"

#include <ATen/ATen.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

fs::path tinyChatModel(const std::string &name)
{
    fs::path dir = fs::temp_directory_path() / ("ec-chat-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    ec::tools::TinyModelSpec spec;
    spec.vocabSize = 1536; // the fixture tokenizer: 1500 pieces, <image> 1500, <pad> 1501
    spec.imageTokenId = 1500;
    ec::tools::writeTinyModel(dir, spec);
    fs::copy_file(fs::path(EC_TEST_SOURCE_DIR) / "tests/fixtures/tokenizer/bpe.tokenizer.json",
                  dir / "tokenizer.json");
    return dir;
}

std::vector<nlohmann::json> jsonLines(const fs::path &file)
{
    std::vector<nlohmann::json> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty() && line.front() == '{')
            lines.push_back(nlohmann::json::parse(line));
    return lines;
}

std::string chatCommand(const fs::path &model, const std::string &extra, const fs::path &err)
{
    fs::path image = fs::path(EC_TEST_SOURCE_DIR) / "resources/samples/coffee.png";
    return std::string(EC_CLI_PATH) + " chat --model " + model.string() + " --image " +
           image.string() + " --prompt 'What is on the table?' --prompt 'Which colour is it?'" +
           " --prompt 'Describe it again, in detail.' --max-tokens 12 --stats " + extra + " 2>" +
           err.string();
}

} // namespace

TEST(ChatCli, ElasticHoldsTheCacheAtBudgetOverSeveralTurns)
{
    auto model = tinyChatModel("elastic");
    auto err = model / "stats.jsonl";
    auto run = ec::test::runProcess(chatCommand(model, "--policy elastic --budget 0.5", err));
    ASSERT_EQ(run.exitCode, 0) << run.output;
    auto turns = jsonLines(err);
    ASSERT_EQ(turns.size(), 3u);
    int64_t previousSeen = 0;
    for (const auto &t : turns) {
        SCOPED_TRACE(t.dump());
        EXPECT_EQ(t["policy"], "elastic");
        const int64_t seen = t["tokens_seen"];
        EXPECT_GT(seen, previousSeen);
        previousSeen = seen;
        // After every prompt and every generated token the store holds ceil(0.5 n) entries.
        EXPECT_EQ(t["cache_entries"].get<int64_t>(), (seen + 1) / 2);
        const auto &prefill = t["prefill_compaction"];
        EXPECT_LT(prefill["entries_after"].get<int64_t>(), prefill["entries_before"].get<int64_t>());
        EXPECT_GT(prefill["merged"].get<int64_t>(), 0);
        EXPECT_GT(t["decode_tokens"].get<int64_t>(), 0);
    }
    // The first turn holds the 225 image tokens of the 30x30 image with 2x2 patches.
    EXPECT_GT(turns[0]["prompt_tokens"].get<int64_t>(), 225);
    EXPECT_FALSE(run.output.empty());
    fs::remove_all(model);
}

TEST(ChatCli, FullCacheKeepsEverything)
{
    auto model = tinyChatModel("full");
    auto err = model / "stats.jsonl";
    auto run = ec::test::runProcess(chatCommand(model, "--policy full", err));
    ASSERT_EQ(run.exitCode, 0) << run.output;
    auto turns = jsonLines(err);
    ASSERT_EQ(turns.size(), 3u);
    for (const auto &t : turns)
        EXPECT_EQ(t["cache_entries"], t["tokens_seen"]) << t.dump();
    fs::remove_all(model);
}

TEST(ChatCli, MissingModelAndBadImageGiveOneClearMessage)
{
    auto run = ec::test::runProcess(std::string(EC_CLI_PATH) +
                                    " chat --model /nonexistent/model --prompt hi 2>&1");
    EXPECT_NE(run.exitCode, 0);
    EXPECT_NE(run.output.find("/nonexistent/model"), std::string::npos) << run.output;

    auto model = tinyChatModel("badimage");
    std::ofstream(model / "not-an-image.png") << "this is text, not a PNG";
    run = ec::test::runProcess(std::string(EC_CLI_PATH) + " chat --model " + model.string() +
                               " --image " + (model / "not-an-image.png").string() +
                               " --prompt hi 2>&1");
    EXPECT_NE(run.exitCode, 0);
    EXPECT_NE(run.output.find("not-an-image.png"), std::string::npos) << run.output;
    fs::remove_all(model);
}

TEST(LogitsCli, TextFormFeedsTheSameIdsAndPixelsAsTheIdForm)
{
    auto model = tinyChatModel("logits");
    const std::string cli = EC_CLI_PATH;
    const fs::path image = fs::path(EC_TEST_SOURCE_DIR) / "resources/samples/chelsea.png";
    auto text = ec::test::runProcess(cli + " logits --model " + model.string() +
                                     " --prompt 'What animal is this?' --image " + image.string() +
                                     " --answer 'A cat.' --policy elastic --keep-ratio 0.5 --out " +
                                     (model / "text.safetensors").string() + " 2>&1");
    ASSERT_EQ(text.exitCode, 0) << text.output;
    auto pixels = ec::test::runProcess(cli + " preprocess --model " + model.string() +
                                       " --image " + image.string() + " --out " +
                                       (model / "pixels.safetensors").string() + " 2>&1");
    ASSERT_EQ(pixels.exitCode, 0) << pixels.output;

    ec::engine::checkpoint::SafetensorsFile fromText(model / "text.safetensors");
    auto join = [](const at::Tensor &ids) {
        std::string out;
        for (int64_t i = 0; i < ids.numel(); ++i)
            out += (i ? "," : "") + std::to_string(ids[i].item<int64_t>());
        return out;
    };
    auto promptIds = fromText.view("prompt_ids");
    auto answerIds = fromText.view("answer_ids");
    EXPECT_EQ((promptIds == 1500).sum().item<int64_t>(), 225); // one image, 15x15 patches
    EXPECT_GT(answerIds.numel(), 0);
    auto ids = ec::test::runProcess(cli + " logits --model " + model.string() + " --ids " +
                                    join(promptIds) + " --image-pixels " +
                                    (model / "pixels.safetensors").string() + " --answer-ids " +
                                    join(answerIds) + " --policy elastic --keep-ratio 0.5 --out " +
                                    (model / "ids.safetensors").string() + " 2>&1");
    ASSERT_EQ(ids.exitCode, 0) << ids.output;
    ec::engine::checkpoint::SafetensorsFile fromIds(model / "ids.safetensors");
    EXPECT_TRUE(at::equal(fromText.view("prompt_logits"), fromIds.view("prompt_logits")));
    EXPECT_TRUE(at::equal(fromText.view("answer_logits"), fromIds.view("answer_logits")));
    fs::remove_all(model);
}
