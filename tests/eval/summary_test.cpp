#include "app/eval/summary.h"

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
