#include "lab/eval/summary.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace ec::eval;

namespace {

SampleRecord make(const std::string &method, double budget, double nllSum, int64_t tokens)
{
    SampleRecord r;
    r.method = method;
    r.budget = budget;
    r.sampleId = std::to_string(tokens);
    r.nllSum = nllSum;
    r.nllTokens = tokens;
    return r;
}

} // namespace

TEST(Summary, PoolsEachMetricOverItsOwnUnit)
{
    auto a = make("elastic", 0.5, 2.0, 1);
    a.klSum = 0.3;
    a.top1Agreements = 1;
    a.klPositions = 2;
    a.rougeSum = 0.9;
    a.rougeTurns = 1;
    a.exactHits = 1;
    a.exactTurns = 1;
    auto b = make("elastic", 0.5, 0.0, 3);
    b.klSum = 0.1;
    b.top1Agreements = 2;
    b.klPositions = 2;
    b.rougeSum = 1.1;
    b.rougeTurns = 3;
    b.exactTurns = 2;
    auto rows = summarize({a, b, make("full", 1.0, 4.0, 4), make("elastic", 0.9, 1.0, 1)});
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].method, "full");
    EXPECT_EQ(rows[1].budget, 0.9); // budgets descending within a method
    const auto &r = rows[2];
    EXPECT_EQ(r.samples, 2);
    EXPECT_EQ(r.nllTokens, 4);
    EXPECT_NEAR(r.perplexity, std::exp(0.5), 1e-12); // (2 + 0) / 4 tokens
    EXPECT_NEAR(r.meanKl, 0.1, 1e-12);               // 0.4 / 4 positions
    EXPECT_NEAR(r.top1Agreement, 0.75, 1e-12);
    EXPECT_NEAR(r.rougeL, 0.5, 1e-12); // 2.0 / 4 turns
    EXPECT_NEAR(r.exactMatch, 1.0 / 3.0, 1e-12);
    EXPECT_TRUE(std::isnan(rows[0].rougeL));
}

TEST(Summary, MarkdownAndCsvShowMissingMetrics)
{
    auto rows = summarize({make("h2o", 0.3, std::log(2.0) * 2, 2)});
    const auto md = summaryMarkdown(rows);
    EXPECT_NE(md.find("| h2o | 0.30 | 1 | 2.000 | — | — | — | — |"), std::string::npos) << md;
    const auto csv = summaryCsv(rows);
    EXPECT_NE(csv.find("\nh2o,0.3000,1,2,2,,,,,0\n"), std::string::npos) << csv;
}

TEST(Summary, PoolsExactMatchAndAnswerRougePerKind)
{
    auto a = make("elastic", 0.5, 0, 1);
    a.kinds["short"] = {1, 2, 1.5, 2};
    a.kinds["description"] = {0, 1, 0.4, 1};
    auto b = make("elastic", 0.5, 0, 2);
    b.kinds["short"] = {2, 2, 1.0, 1}; // one short answer had no sentence to score ROUGE-L on
    b.kinds["followup"] = {1, 1, 0.9, 1};
    auto older = make("elastic", 0.5, 0, 3); // written before kinds: adds to no kind
    auto full = make("full", 1.0, 0, 4);
    full.kinds["short"] = {1, 1, 1.0, 1};
    const auto rows = summarize({a, older, b, full});
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(summaryKinds(rows), (std::vector<std::string>{"description", "followup", "short"}));
    const auto &e = rows[1];
    EXPECT_EQ(e.samples, 3);
    ASSERT_EQ(e.kinds.size(), 3u);
    EXPECT_NEAR(e.kinds.at("short").exactMatch, 0.75, 1e-12); // 3 hits of 4 turns
    EXPECT_EQ(e.kinds.at("short").exactTurns, 4);
    EXPECT_NEAR(e.kinds.at("short").answerRougeL, 2.5 / 3.0, 1e-12); // over its own 3 turns
    EXPECT_EQ(e.kinds.at("short").answerRougeTurns, 3);
    EXPECT_EQ(e.kinds.at("description").exactMatch, 0.0);
    EXPECT_NEAR(e.kinds.at("description").answerRougeL, 0.4, 1e-12);
    EXPECT_NEAR(e.kinds.at("followup").exactMatch, 1.0, 1e-12);
    ASSERT_EQ(rows[0].kinds.size(), 1u);

    // Kinds in name order, the EM columns first; a kind a row did not score is "—".
    const auto md = summaryMarkdown(rows);
    EXPECT_NE(md.find("| method | budget | samples | PPL | ROUGE-L(full) | KL (nats) | top-1 agree "
                      "| exact match | EM description | EM followup | EM short | ROUGE-L(ref) "
                      "description | ROUGE-L(ref) followup | ROUGE-L(ref) short |\n"
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("| full | 1.00 | 1 | 1.000 | — | — | — | — | — | — | 100.0% | — | — | "
                      "1.0000 |\n"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("| 0.0% | 100.0% | 75.0% | 0.4000 | 0.9000 | 0.8333 |\n"), std::string::npos)
        << md;
    const auto csv = summaryCsv(rows);
    EXPECT_NE(csv.find("exact_match,exact_turns,exact_match_description,exact_turns_description,"
                       "answer_rouge_l_description,exact_match_followup,exact_turns_followup,"
                       "answer_rouge_l_followup,exact_match_short,exact_turns_short,"
                       "answer_rouge_l_short\n"),
              std::string::npos)
        << csv;
    EXPECT_NE(csv.find("\nfull,1.0000,1,4,1,,,,,0,,0,,,0,,1,1,1\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find(",0,1,0.4,1,1,0.9,0.75,4,0.833333\n"), std::string::npos) << csv;
}

TEST(Summary, RecordsWithoutKindsAddNoKindColumns)
{
    const auto rows = summarize({make("local", 0.2, 1.0, 1)});
    EXPECT_TRUE(summaryKinds(rows).empty());
    EXPECT_EQ(summaryMarkdown(rows).find("EM "), std::string::npos);
    EXPECT_EQ(summaryCsv(rows).find("answer_rouge_l"), std::string::npos);
}
