// The summary of an eval output: one row per (method, budget), pooled the way each metric is
// defined (PPL over tokens, KL and top-1 over positions, ROUGE-L and exact match over turns),
// plus exact match and ROUGE-L against the dataset's answers per turn kind.
#pragma once

#include "lab/eval/sample_record.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ec::eval {

// The turns of one kind ("short", "followup", ...) scored against the dataset's answers.
struct KindSummary
{
    double exactMatch = 0; // fraction; NaN when no turn was scored
    int64_t exactTurns = 0;
    double answerRougeL = 0; // mean ROUGE-L F against the answers; NaN when none was scored
    int64_t answerRougeTurns = 0;
};

struct SummaryRow
{
    std::string method;
    double budget = 1.0;
    int64_t samples = 0;
    int64_t nllTokens = 0;
    double perplexity = 0;    // NaN when no token was scored
    double rougeL = 0;        // mean F vs the full cache's generation; NaN when none was scored
    double meanKl = 0;        // nats per position; NaN when none
    double top1Agreement = 0; // fraction; NaN when none
    double exactMatch = 0;    // fraction; NaN when no turn had an answer
    int64_t exactTurns = 0;
    std::map<std::string, KindSummary> kinds; // the kinds this row's records scored
};

// Rows ordered "full" first, then by method name, then by budget descending.
std::vector<SummaryRow> summarize(const std::vector<SampleRecord> &records);

// Every kind of any row, in name order: the per-kind columns of the tables.
std::vector<std::string> summaryKinds(const std::vector<SummaryRow> &rows);

// Markdown table for docs/results.md ("—" for a metric that was not measured). "ROUGE-L(full)"
// is against the full cache's generation; then one "EM <kind>" column per kind and one
// "ROUGE-L(ref) <kind>" (against the dataset's answers) per kind, kinds in name order.
std::string summaryMarkdown(const std::vector<SummaryRow> &rows);
// CSV with a header; empty cells for metrics that were not measured. "rouge_l" is against the
// full cache's generation; then per kind, in name order: exact_match_<kind>,
// exact_turns_<kind> and answer_rouge_l_<kind> (against the dataset's answers).
std::string summaryCsv(const std::vector<SummaryRow> &rows);

} // namespace ec::eval
