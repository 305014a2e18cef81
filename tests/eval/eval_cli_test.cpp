// elastic-lab eval and bench run end to end on a tiny random checkpoint with the fixture
// tokenizer: records per method x budget x sample, the report files, resume, shards + merge, and
// a bench table with one row per case.
#include "engine/checkpoint/llava_config.h"
#include "support/run_process.h"
#include "lab/tiny_model/tiny_model.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using ec::test::runProcess;

namespace {

std::vector<nlohmann::json> jsonLines(const fs::path &file)
{
    std::vector<nlohmann::json> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty())
            lines.push_back(nlohmann::json::parse(line));
    return lines;
}

class EvalCli : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        root_ = fs::temp_directory_path() / ("ec-eval-cli-" + std::to_string(getpid()));
        fs::remove_all(root_);
        ec::tools::TinyModelSpec spec;
        spec.vocabSize = 1536; // the fixture tokenizer: 1500 pieces, <image> 1500, <pad> 1501
        spec.imageTokenId = 1500;
        ec::tools::writeTinyModel(root_ / "model", spec);
        fs::copy_file(fs::path(EC_TEST_SOURCE_DIR) / "tests/fixtures/tokenizer/bpe.tokenizer.json",
                      root_ / "model" / "tokenizer.json");
        const auto image = fs::path(EC_TEST_SOURCE_DIR) / "resources/samples/coffee.png";
        nlohmann::json dataset = nlohmann::json::array();
        const char *answers[] = {"A cup of coffee on a wooden table.", "Brown.", "Two."};
        for (int i = 0; i < 3; ++i)
            dataset.push_back({{"image", image.string()},
                               {"question", "What is in picture number " + std::to_string(i)},
                               {"answer", answers[i]}});
        std::ofstream(root_ / "mmvet.json") << dataset.dump();
    }
    static void TearDownTestSuite() { fs::remove_all(root_); }

    static std::string eval(const std::string &extra)
    {
        return std::string(EC_LAB_PATH) + " eval --model " + (root_ / "model").string() +
               " --dataset " + (root_ / "mmvet.json").string() +
               " --methods full,elastic,local --budgets 0.5,0.3 --max-tokens 6 " + extra;
    }

    static fs::path root_;
};

fs::path EvalCli::root_;

} // namespace

TEST_F(EvalCli, SweepWritesRecordsReportAndResumes)
{
    const auto out = root_ / "sweep";
    auto run = runProcess(eval("--out " + out.string() + " 2>&1"));
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto records = jsonLines(out / "records.jsonl");
    ASSERT_EQ(records.size(), 3u * 5u); // (full + 2 methods x 2 budgets) x 3 samples
    for (const auto &r : records) {
        SCOPED_TRACE(r.dump());
        // "Two." is 2+ tokens, so every sample scores at least one teacher-forced token.
        EXPECT_GT(r["nll_tokens"].get<int64_t>(), 0);
        EXPECT_EQ(r["kl_positions"], r["nll_tokens"]);
        // ROUGE-L is scored whenever the full cache said something (an empty answer scores 0).
        const bool silentReference = r["turns"][0]["full_cache"].get<std::string>().empty();
        EXPECT_EQ(r["rouge_turns"].get<int64_t>(), silentReference ? 0 : 1);
        EXPECT_EQ(r["exact_turns"], 1);
        if (r["method"] == "full") {
            // The full cache against itself: no divergence, same argmax, same text.
            EXPECT_NEAR(r["kl_sum"].get<double>(), 0.0, 1e-9);
            EXPECT_EQ(r["top1_agree"], r["kl_positions"]);
            EXPECT_EQ(r["turns"][0]["hypothesis"], r["turns"][0]["full_cache"]);
        }
    }
    // Q12: every answer token but the last is scored, answers encoded without BOS.
    const char *answers[] = {"A cup of coffee on a wooden table.", "Brown.", "Two."};
    for (const auto &r : records) {
        auto ids =
            runProcess(std::string(EC_CLI_PATH) + " tokenize --no-bos --model " +
                       (root_ / "model").string() + " '" + answers[r["index"].get<int>()] + "'");
        ASSERT_EQ(ids.exitCode, 0) << ids.output;
        std::istringstream words(ids.output);
        const auto count = std::distance(std::istream_iterator<std::string>(words),
                                         std::istream_iterator<std::string>());
        EXPECT_EQ(r["nll_tokens"].get<int64_t>(), count - 1) << r["sample"];
    }
    for (const char *file : {"summary.md", "summary.csv", "plot_ppl.png", "plot_kl.svg"})
        EXPECT_TRUE(fs::exists(out / file)) << file;
    EXPECT_NE(run.output.find("| full | 1.00 | 3 |"), std::string::npos) << run.output;

    // Nothing left to do: a second run only rewrites the report.
    auto again = runProcess(eval("--out " + out.string() + " 2>&1"));
    ASSERT_EQ(again.exitCode, 0) << again.output;
    EXPECT_NE(again.output.find("15 records already in"), std::string::npos) << again.output;
    EXPECT_NE(again.output.find(", 0 to run"), std::string::npos) << again.output;
    EXPECT_EQ(jsonLines(out / "records.jsonl").size(), 15u);

    // The report alone, from the records file.
    fs::remove(out / "summary.csv");
    auto report = runProcess(std::string(EC_LAB_PATH) + " eval report " +
                             (out / "records.jsonl").string() + " 2>&1");
    ASSERT_EQ(report.exitCode, 0) << report.output;
    EXPECT_TRUE(fs::exists(out / "summary.csv"));
    EXPECT_NE(report.output.find("| local | 0.30 | 3 |"), std::string::npos) << report.output;
}

TEST_F(EvalCli, ShardsMergeIntoTheUnshardedResult)
{
    const auto out = root_ / "shards";
    for (const char *shard : {"0/2", "1/2"}) {
        auto run =
            runProcess(eval("--out " + out.string() + " --shard " + shard + " --no-generate 2>&1"));
        ASSERT_EQ(run.exitCode, 0) << run.output;
    }
    const auto shard0 = jsonLines(out / "records-shard-0-of-2.jsonl");
    const auto shard1 = jsonLines(out / "records-shard-1-of-2.jsonl");
    EXPECT_EQ(shard0.size(), 2u * 5u); // samples 0 and 2
    EXPECT_EQ(shard1.size(), 1u * 5u); // sample 1
    auto merge = runProcess(std::string(EC_LAB_PATH) + " eval merge --out " + out.string() + " " +
                            (out / "records-shard-0-of-2.jsonl").string() + " " +
                            (out / "records-shard-1-of-2.jsonl").string() + " 2>&1");
    ASSERT_EQ(merge.exitCode, 0) << merge.output;
    const auto merged = jsonLines(out / "records.jsonl");
    ASSERT_EQ(merged.size(), 15u);
    std::set<std::string> keys;
    for (const auto &r : merged)
        keys.insert(r["method"].get<std::string>() + std::to_string(r["budget"].get<double>()) +
                    r["sample"].get<std::string>());
    EXPECT_EQ(keys.size(), 15u);
    EXPECT_TRUE(fs::exists(out / "summary.csv"));
}

TEST_F(EvalCli, DemoWorldFilesReportPerKind)
{
    // The held-out forms lab/demo_world writes: kinds, one "image" per turn (relative to the
    // file) and the evaluated final turn at the top level of a multi-turn sample.
    const auto world = root_ / "world";
    fs::create_directories(world / "images");
    fs::copy_file(fs::path(EC_TEST_SOURCE_DIR) / "resources/samples/coffee.png",
                  world / "images/eval0_0.png");
    std::ofstream(world / "multiturn.json") << R"([{"id": "eval9", "kind": "followup",
        "question": "What colour is it?", "answer": "brown", "turns": [
        {"image": "images/eval0_0.png", "question": "Describe the image in detail.",
         "answer": "A cup of coffee. It stands on a table.", "kind": "description"},
        {"question": "How many cups are there?", "answer": "1", "kind": "short"}]}])";
    std::ofstream(world / "single.json") << R"([{"id": "eval0", "kind": "short",
        "image": "images/eval0_0.png", "question": "How many cups?", "answer": "1"}])";
    auto sweep = [&](const char *file, const fs::path &out) {
        return runProcess(std::string(EC_LAB_PATH) + " eval --model " + (root_ / "model").string() +
                          " --dataset " + (world / file).string() +
                          " --methods full,elastic --budgets 0.5 --max-tokens 4 "
                          "--no-teacher-forcing --out " +
                          out.string() + " 2>&1");
    };
    auto run = sweep("multiturn.json", world / "multi");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto records = jsonLines(world / "multi/records.jsonl");
    ASSERT_EQ(records.size(), 2u); // full, elastic@0.5
    for (const auto &r : records) {
        SCOPED_TRACE(r.dump());
        ASSERT_EQ(r["turns"].size(), 3u);
        EXPECT_EQ(r["turns"][2]["question"], "What colour is it?");
        EXPECT_EQ(r["turns"][2]["answer"], "brown");
        const char *kinds[] = {"description", "short", "followup"};
        for (size_t t = 0; t < 3; ++t) {
            EXPECT_EQ(r["turns"][t]["kind"], kinds[t]);
            EXPECT_TRUE(r["turns"][t]["answer_rouge_l"].is_number());
            EXPECT_TRUE(r["turns"][t]["exact_match"].is_boolean());
            EXPECT_EQ(r["kinds"][kinds[t]]["exact_turns"], 1);
            EXPECT_EQ(r["kinds"][kinds[t]]["answer_rouge_turns"], 1);
        }
        EXPECT_EQ(r["exact_turns"], 3);
    }
    EXPECT_NE(run.output.find("| ROUGE-L(full) |"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("| EM description | EM followup | EM short | ROUGE-L(ref) "
                              "description | ROUGE-L(ref) followup | ROUGE-L(ref) short |"),
              std::string::npos)
        << run.output;

    run = sweep("single.json", world / "single");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto single = jsonLines(world / "single/records.jsonl");
    ASSERT_EQ(single.size(), 2u);
    EXPECT_EQ(single[0]["turns"][0]["kind"], "short");
    EXPECT_EQ(single[0]["kinds"]["short"]["exact_turns"], 1);

    // Records from before kinds (no "kinds", no turn kinds) merge with new ones and report.
    fs::create_directories(world / "old");
    {
        std::ofstream old(world / "old/records.jsonl");
        for (auto r : records) {
            r.erase("kinds");
            for (auto &turn : r["turns"])
                turn.erase("kind");
            old << r.dump() << "\n";
        }
    }
    auto report = runProcess(std::string(EC_LAB_PATH) + " eval report " +
                             (world / "old/records.jsonl").string() + " 2>&1");
    ASSERT_EQ(report.exitCode, 0) << report.output;
    EXPECT_NE(report.output.find("| elastic | 0.50 | 1 |"), std::string::npos) << report.output;
    EXPECT_EQ(report.output.find("EM "), std::string::npos) << report.output;
    auto merge =
        runProcess(std::string(EC_LAB_PATH) + " eval merge --out " + (world / "merged").string() +
                   " " + (world / "old/records.jsonl").string() + " " +
                   (world / "single/records.jsonl").string() + " 2>&1");
    ASSERT_EQ(merge.exitCode, 0) << merge.output;
    EXPECT_EQ(jsonLines(world / "merged/records.jsonl").size(), 4u);
    EXPECT_NE(merge.output.find("| EM short | ROUGE-L(ref) short |"), std::string::npos)
        << merge.output;
    EXPECT_EQ(merge.output.find("EM followup"), std::string::npos) << merge.output;
}

TEST_F(EvalCli, TurnsPastTheContextLimitCountAsUnanswered)
{
    // A model of 400 positions: the first turn (225 image tokens) fits, the second asks more
    // than is left. The sweep goes on and scores that turn and the last one as unanswered.
    const auto dir = root_ / "short-context";
    ec::tools::TinyModelSpec spec;
    spec.vocabSize = 1536;
    spec.imageTokenId = 1500;
    spec.maxPositions = 400;
    ec::tools::writeTinyModel(dir / "model", spec);
    fs::copy_file(fs::path(EC_TEST_SOURCE_DIR) / "tests/fixtures/tokenizer/bpe.tokenizer.json",
                  dir / "model" / "tokenizer.json");
    fs::copy_file(fs::path(EC_TEST_SOURCE_DIR) / "resources/samples/coffee.png", dir / "cup.png");
    std::string longQuestion;
    for (int i = 0; i < 300; ++i)
        longQuestion += "coffee ";
    nlohmann::json sample = {
        {"id", "long"},
        {"question", "What colour is it?"},
        {"answer", "brown"},
        {"turns",
         {{{"image", "cup.png"}, {"question", "Describe the image."}, {"answer", "A cup."}},
          {{"question", longQuestion + "?"}, {"answer", "yes"}}}}};
    std::ofstream(dir / "multiturn.json") << nlohmann::json::array({sample}).dump();

    const auto run = runProcess(std::string(EC_LAB_PATH) + " eval --model " +
                                (dir / "model").string() + " --dataset " +
                                (dir / "multiturn.json").string() +
                                " --methods full --max-tokens 4 --no-teacher-forcing --out " +
                                (dir / "out").string() + " 2>&1");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const auto records = jsonLines(dir / "out/records.jsonl");
    ASSERT_EQ(records.size(), 1u);
    const auto &turns = records[0]["turns"];
    ASSERT_EQ(turns.size(), 3u);
    EXPECT_FALSE(turns[0].contains("context_full")) << turns[0].dump();
    EXPECT_GT(turns[0]["tokens_seen"].get<int64_t>(), 225);
    for (size_t t = 1; t < 3; ++t) {
        SCOPED_TRACE(turns[t].dump());
        EXPECT_EQ(turns[t]["context_full"], true);
        EXPECT_EQ(turns[t]["hypothesis"], "");
        EXPECT_EQ(turns[t]["exact_match"], false);
    }
}

TEST_F(EvalCli, BadDatasetFailsWithItsMessage)
{
    std::ofstream(root_ / "bad.json") << R"([{"image": "a.png", "answer": "x"}])";
    auto run = runProcess(std::string(EC_LAB_PATH) + " eval --model " + (root_ / "model").string() +
                          " --dataset " + (root_ / "bad.json").string() + " --out " +
                          (root_ / "bad").string() + " 2>&1");
    EXPECT_NE(run.exitCode, 0);
    EXPECT_NE(run.output.find("sample 0 (id '0'): missing field 'question'"), std::string::npos)
        << run.output;
}

TEST_F(EvalCli, SweepWithoutDatasetSaysSo)
{
    auto run =
        runProcess(std::string(EC_LAB_PATH) + " eval --out " + (root_ / "none").string() + " 2>&1");
    EXPECT_NE(run.exitCode, 0);
    EXPECT_NE(run.output.find("--dataset is required"), std::string::npos) << run.output;
}

TEST(BenchRunCli, RandomWeightsTableAndJson)
{
    const auto json = fs::temp_directory_path() / ("ec-bench-run-" + std::to_string(getpid()));
    const auto config = fs::path(EC_TEST_SOURCE_DIR) / "resources/configs/bench-tiny-cpu.json";
    auto run =
        runProcess(std::string(EC_LAB_PATH) + " bench run --random-weights " + config.string() +
                   " --device cpu --prompt 24 --gen 4 --methods " +
                   "full,elastic --budgets 0.5 --batch 1,2 --json " + json.string() + " 2>&1");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    EXPECT_NE(run.output.find("| elastic | 0.50 | 2 | 24+4 |"), std::string::npos) << run.output;
    nlohmann::json doc;
    std::ifstream(json) >> doc;
    fs::remove(json);
    ASSERT_EQ(doc["cases"].size(), 4u); // (full + elastic) x 2 batch sizes
    for (const auto &c : doc["cases"]) {
        SCOPED_TRACE(c.dump());
        EXPECT_GT(c["prefill_ms"].get<double>(), 0);
        EXPECT_GE(c["ttft_ms"].get<double>(), c["prefill_ms"].get<double>());
        EXPECT_GT(c["tokens_per_s"].get<double>(), 0);
        EXPECT_GT(c["peak_rss_bytes"].get<int64_t>(), 0);
        if (c["method"] == "elastic") {
            // 24 + 3 fed tokens at budget 0.5 end with about half the entries.
            EXPECT_LE(c["final_cache_entries"].get<int64_t>(), 14);
            EXPECT_GT(c["compaction_ms"].get<double>(), 0);
        } else {
            EXPECT_EQ(c["final_cache_entries"].get<int64_t>(), 27);
        }
    }
    EXPECT_EQ(doc["layers"], 4);
}

TEST(BenchConfigs, CommittedConfigsParseAtTheirShapes)
{
    const auto dir = fs::path(EC_TEST_SOURCE_DIR) / "resources/configs";
    auto read = [&](const char *name) {
        std::ifstream in(dir / name);
        std::stringstream text;
        text << in.rdbuf();
        return ec::engine::checkpoint::parseLlavaConfig(text.str(), name);
    };
    const auto llava7b = read("llava-1.5-7b.json");
    EXPECT_EQ(llava7b.text.numLayers, 32);
    EXPECT_EQ(llava7b.text.numKvHeads, 32);
    EXPECT_EQ(llava7b.text.headDim, 128);
    EXPECT_EQ(llava7b.tokensPerImage(), 576); // CLIP ViT-L/14 at 336 px, CLS dropped
    EXPECT_EQ(llava7b.projectorInputSize(), 1024);
    const auto tiny = read("bench-tiny-cpu.json");
    EXPECT_EQ(tiny.text.numLayers, 4);
    EXPECT_EQ(tiny.text.headDim, 32);
}
