// The summary of an eval output: one row per (method, budget), pooled the way each metric is
// defined (PPL over tokens, KL and top-1 over positions, ROUGE-L and exact match over turns).
#pragma once

#include "app/eval/sample_record.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ec::eval {

struct SummaryRow
{
    std::string method;
    double budget = 1.0;
    int64_t samples = 0;
    int64_t nllTokens = 0;
    double perplexity = 0;    // NaN when no token was scored
    double rougeL = 0;        // mean F over turns; NaN when none was scored
    double meanKl = 0;        // nats per position; NaN when none
    double top1Agreement = 0; // fraction; NaN when none
    double exactMatch = 0;    // fraction; NaN when no turn had an answer
    int64_t exactTurns = 0;
};

// Rows ordered "full" first, then by method name, then by budget descending.
std::vector<SummaryRow> summarize(const std::vector<SampleRecord> &records);

// Markdown table for docs/results.md ("—" for a metric that was not measured).
std::string summaryMarkdown(const std::vector<SummaryRow> &rows);
// CSV with a header; empty cells for metrics that were not measured.
std::string summaryCsv(const std::vector<SummaryRow> &rows);

} // namespace ec::eval
