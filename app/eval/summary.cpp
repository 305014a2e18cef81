#include "app/eval/summary.h"

#include "app/eval/fidelity.h"
#include "app/eval/perplexity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

namespace ec::eval {

namespace {

double ratio(double numerator, int64_t denominator)
{
    return denominator ? numerator / static_cast<double>(denominator)
                       : std::numeric_limits<double>::quiet_NaN();
}

std::string number(double value, const char *format, const char *missing)
{
    if (std::isnan(value))
        return missing;
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

bool rowBefore(const SummaryRow &a, const SummaryRow &b)
{
    if (a.method != b.method) {
        if (a.method == "full" || b.method == "full")
            return a.method == "full";
        return a.method < b.method;
    }
    return a.budget > b.budget;
}

} // namespace

std::vector<SummaryRow> summarize(const std::vector<SampleRecord> &records)
{
    struct Sums
    {
        SummaryRow row;
        PerplexityAccumulator ppl;
        FidelityAccumulator fidelity;
        double rougeSum = 0;
        int64_t rougeTurns = 0, exactHits = 0;
    };
    std::map<std::pair<std::string, std::string>, Sums> groups;
    for (const auto &r : records) {
        auto &g = groups[{r.method, budgetKey(r.budget)}];
        g.row.method = r.method;
        g.row.budget = r.budget;
        ++g.row.samples;
        g.ppl.addSums(r.nllSum, r.nllTokens);
        g.fidelity.addSums(r.klSum, r.top1Agreements, r.klPositions);
        g.rougeSum += r.rougeSum;
        g.rougeTurns += r.rougeTurns;
        g.exactHits += r.exactHits;
        g.row.exactTurns += r.exactTurns;
    }
    std::vector<SummaryRow> rows;
    for (auto &[key, g] : groups) {
        g.row.nllTokens = g.ppl.tokens();
        g.row.perplexity = g.ppl.perplexity();
        g.row.meanKl = g.fidelity.meanKl();
        g.row.top1Agreement = g.fidelity.top1Agreement();
        g.row.rougeL = ratio(g.rougeSum, g.rougeTurns);
        g.row.exactMatch = ratio(static_cast<double>(g.exactHits), g.row.exactTurns);
        rows.push_back(g.row);
    }
    std::sort(rows.begin(), rows.end(), rowBefore);
    return rows;
}

std::string summaryMarkdown(const std::vector<SummaryRow> &rows)
{
    std::ostringstream out;
    out << "| method | budget | samples | PPL | ROUGE-L F | KL (nats) | top-1 agree | exact match "
           "|\n"
        << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto &r : rows)
        out << "| " << r.method << " | " << number(r.budget, "%.2f", "") << " | " << r.samples
            << " | " << number(r.perplexity, "%.3f", "—") << " | " << number(r.rougeL, "%.4f", "—")
            << " | " << number(r.meanKl, "%.5f", "—") << " | "
            << number(100 * r.top1Agreement, "%.1f%%", "—") << " | "
            << number(100 * r.exactMatch, "%.1f%%", "—") << " |\n";
    return out.str();
}

std::string summaryCsv(const std::vector<SummaryRow> &rows)
{
    std::ostringstream out;
    out << "method,budget,samples,nll_tokens,ppl,rouge_l,kl,top1_agreement,exact_match,"
           "exact_turns\n";
    for (const auto &r : rows)
        out << r.method << ',' << number(r.budget, "%.4f", "") << ',' << r.samples << ','
            << r.nllTokens << ',' << number(r.perplexity, "%.6g", "") << ','
            << number(r.rougeL, "%.6g", "") << ',' << number(r.meanKl, "%.6g", "") << ','
            << number(r.top1Agreement, "%.6g", "") << ',' << number(r.exactMatch, "%.6g", "") << ','
            << r.exactTurns << '\n';
    return out.str();
}

} // namespace ec::eval
