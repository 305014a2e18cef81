// Output files: records round-trip, resume after a kill, sharding and merging shard outputs.
#include "lab/eval/record_files.h"
#include "lab/eval/shard.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace ec::eval;
namespace fs = std::filesystem;

namespace {

SampleRecord record(const std::string &method, double budget, int64_t index)
{
    SampleRecord r;
    r.method = method;
    r.budget = budget;
    r.sampleIndex = index;
    r.sampleId = "s" + std::to_string(index);
    r.nllSum = 0.5 * static_cast<double>(index);
    r.nllTokens = index + 1;
    r.rougeSum = 0.25;
    r.rougeTurns = 1;
    return r;
}

class RecordFiles : public ::testing::Test
{
protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() /
               ("ec_eval_records_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string &name) const { return (dir_ / name).string(); }
    std::string slurp(const std::string &name) const
    {
        std::ifstream in(path(name));
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    fs::path dir_;
};

} // namespace

TEST(Shard, ParsesAndPartitions)
{
    auto s = parseShard("1/3");
    EXPECT_EQ(s.index, 1);
    EXPECT_EQ(s.count, 3);
    EXPECT_TRUE(s.contains(4));
    EXPECT_FALSE(s.contains(5));
    for (const char *bad : {"3/3", "-1/2", "1", "a/2", "1/0", "1/2/3", "/2", "1/"})
        EXPECT_THROW(parseShard(bad), std::invalid_argument) << bad;
    // Every sample lands in exactly one of n shards.
    for (int64_t i = 0; i < 20; ++i) {
        int owners = 0;
        for (int64_t k = 0; k < 4; ++k)
            owners += Shard{k, 4}.contains(i);
        EXPECT_EQ(owners, 1);
    }
}

TEST(SampleRecordJson, RoundTripsAndKeysBudgetsAtFourDecimals)
{
    auto r = record("elastic", 0.3, 7);
    r.turns = nlohmann::json::array({{{"hypothesis", "x"}}});
    auto back = recordFromJson(recordToJson(r));
    EXPECT_EQ(back.method, "elastic");
    EXPECT_EQ(back.sampleIndex, 7);
    EXPECT_EQ(back.nllTokens, 8);
    EXPECT_DOUBLE_EQ(back.rougeSum, 0.25);
    EXPECT_EQ(back.turns[0]["hypothesis"], "x");
    EXPECT_EQ(recordKey(back), recordKey("elastic", 0.1 + 0.2, "s7"));
    auto j = recordToJson(r);
    j.erase("nll_tokens");
    EXPECT_THROW(recordFromJson(j), std::invalid_argument);
    j = recordToJson(r);
    j["budget"] = "0.3";
    EXPECT_THROW(recordFromJson(j), std::invalid_argument);
}

TEST(SampleRecordJson, RoundTripsKindsAndReadsRecordsWrittenBeforeThem)
{
    auto r = record("elastic", 0.5, 2);
    r.kinds["short"] = {3, 4, 2.5, 4};
    r.kinds["earlier_image"] = {0, 1, 0.125, 1};
    r.turns = nlohmann::json::array(
        {{{"kind", "earlier_image"}, {"exact_match", false}, {"answer_rouge_l", 0.125}}});
    const auto j = recordToJson(r);
    EXPECT_EQ(j["kinds"]["short"]["answer_rouge_sum"], 2.5);
    auto back = recordFromJson(nlohmann::json::parse(j.dump()));
    ASSERT_EQ(back.kinds.size(), 2u);
    EXPECT_EQ(back.kinds.at("short").exactHits, 3);
    EXPECT_EQ(back.kinds.at("short").exactTurns, 4);
    EXPECT_DOUBLE_EQ(back.kinds.at("short").answerRougeSum, 2.5);
    EXPECT_EQ(back.kinds.at("short").answerRougeTurns, 4);
    EXPECT_DOUBLE_EQ(back.kinds.at("earlier_image").answerRougeSum, 0.125);
    EXPECT_EQ(back.turns[0]["kind"], "earlier_image");
    EXPECT_EQ(back.turns[0]["answer_rouge_l"], 0.125);

    auto older = j;
    older.erase("kinds");
    EXPECT_TRUE(recordFromJson(older).kinds.empty());
    auto bad = j;
    bad["kinds"]["short"].erase("exact_turns");
    EXPECT_THROW(recordFromJson(bad), std::invalid_argument);
    bad = j;
    bad["kinds"] = nlohmann::json::array();
    EXPECT_THROW(recordFromJson(bad), std::invalid_argument);
    bad = j;
    bad["kinds"]["short"] = 3;
    EXPECT_THROW(recordFromJson(bad), std::invalid_argument);
}

TEST_F(RecordFiles, ResumeSkipsWrittenSamplesAndDropsATruncatedTail)
{
    EXPECT_TRUE(readRecordFile(path("none.jsonl")).records.empty());
    {
        RecordWriter writer(path("out.jsonl"));
        writer.write(record("h2o", 0.5, 0));
        writer.write(record("h2o", 0.5, 1));
    }
    // A run killed in the middle of the third line.
    std::ofstream(path("out.jsonl"), std::ios::app) << R"({"method":"h2o","budget":0.5,"sam)";
    auto read = readRecordFile(path("out.jsonl"));
    EXPECT_TRUE(read.truncatedTail);
    ASSERT_EQ(read.records.size(), 2u);
    auto done = recordKeys(read.records);
    EXPECT_TRUE(done.count(recordKey("h2o", 0.5, "s1")));
    EXPECT_FALSE(done.count(recordKey("h2o", 0.4, "s1")));

    // Resuming cuts the partial line and appends after the complete ones.
    {
        RecordWriter writer(path("out.jsonl"));
        writer.write(record("h2o", 0.5, 2));
    }
    read = readRecordFile(path("out.jsonl"));
    EXPECT_FALSE(read.truncatedTail);
    ASSERT_EQ(read.records.size(), 3u);
    EXPECT_EQ(read.records[2].sampleIndex, 2);
}

TEST_F(RecordFiles, CompleteLastLineWithoutNewlineIsKept)
{
    std::ofstream(path("out.jsonl")) << recordToJson(record("local", 0.2, 0)).dump();
    EXPECT_EQ(readRecordFile(path("out.jsonl")).records.size(), 1u);
    {
        RecordWriter writer(path("out.jsonl"));
        writer.write(record("local", 0.2, 1));
    }
    EXPECT_EQ(readRecordFile(path("out.jsonl")).records.size(), 2u);
}

TEST_F(RecordFiles, BadLineInTheMiddleIsAnError)
{
    std::ofstream(path("out.jsonl")) << "{\"x\": 1}\n"
                                     << recordToJson(record("a", 1, 0)).dump() << "\n";
    try {
        readRecordFile(path("out.jsonl"));
        FAIL() << "a bad line was accepted";
    } catch (const std::runtime_error &e) {
        EXPECT_NE(std::string(e.what()).find("out.jsonl:1: not a record"), std::string::npos)
            << e.what();
    }
}

TEST_F(RecordFiles, MergeCombinesShardsSortedAndDeduplicated)
{
    const Shard shards[] = {{0, 2}, {1, 2}};
    for (const auto &shard : shards) {
        RecordWriter writer(path("shard" + std::to_string(shard.index) + ".jsonl"));
        for (double budget : {0.2, 0.8})
            for (int64_t i = 0; i < 5; ++i)
                if (shard.contains(i))
                    writer.write(record("elastic", budget, i));
    }
    { // a rerun duplicated one record into shard 1
        RecordWriter writer(path("shard1.jsonl"));
        writer.write(record("elastic", 0.2, 1));
    }
    auto report =
        mergeRecordFiles({path("shard0.jsonl"), path("shard1.jsonl")}, path("merged.jsonl"));
    EXPECT_EQ(report.inputs, 2);
    EXPECT_EQ(report.records, 10);
    EXPECT_EQ(report.duplicates, 1);
    auto merged = readRecordFile(path("merged.jsonl")).records;
    ASSERT_EQ(merged.size(), 10u);
    for (size_t i = 0; i < 5; ++i) { // budget 0.8 first, then by sample index
        EXPECT_DOUBLE_EQ(merged[i].budget, 0.8);
        EXPECT_EQ(merged[i].sampleIndex, static_cast<int64_t>(i));
        EXPECT_DOUBLE_EQ(merged[i + 5].budget, 0.2);
    }
    EXPECT_FALSE(fs::exists(path("merged.jsonl.partial")));
    EXPECT_THROW(mergeRecordFiles({path("missing.jsonl")}, path("m2.jsonl")), std::runtime_error);
    EXPECT_FALSE(fs::exists(path("m2.jsonl")));
}

TEST_F(RecordFiles, MergeKeepsKindsAndTakesRecordsWithoutThem)
{
    auto withKinds = record("elastic", 0.5, 0);
    withKinds.kinds["followup"] = {1, 2, 1.25, 2};
    { // a records file from before kinds: no "kinds" field at all
        auto j = recordToJson(record("elastic", 0.5, 1));
        j.erase("kinds");
        std::ofstream(path("old.jsonl")) << j.dump() << "\n";
    }
    {
        RecordWriter writer(path("new.jsonl"));
        writer.write(withKinds);
    }
    auto report = mergeRecordFiles({path("old.jsonl"), path("new.jsonl")}, path("merged.jsonl"));
    EXPECT_EQ(report.records, 2);
    const auto merged = readRecordFile(path("merged.jsonl")).records;
    ASSERT_EQ(merged.size(), 2u);
    EXPECT_EQ(merged[0].sampleIndex, 0);
    ASSERT_EQ(merged[0].kinds.size(), 1u);
    EXPECT_EQ(merged[0].kinds.at("followup").exactTurns, 2);
    EXPECT_DOUBLE_EQ(merged[0].kinds.at("followup").answerRougeSum, 1.25);
    EXPECT_TRUE(merged[1].kinds.empty());
}
