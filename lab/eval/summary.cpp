#include "lab/eval/summary.h"

#include "lab/eval/fidelity.h"
#include "lab/eval/perplexity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
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

// A kind the row did not score reads as unmeasured.
KindSummary ofKind(const SummaryRow &row, const std::string &kind)
{
    auto it = row.kinds.find(kind);
    if (it != row.kinds.end())
        return it->second;
    const double none = std::numeric_limits<double>::quiet_NaN();
    return {none, 0, none, 0};
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
        std::map<std::string, KindSums> kinds;
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
        for (const auto &[kind, k] : r.kinds) {
            auto &sums = g.kinds[kind];
            sums.exactHits += k.exactHits;
            sums.exactTurns += k.exactTurns;
            sums.answerRougeSum += k.answerRougeSum;
            sums.answerRougeTurns += k.answerRougeTurns;
        }
    }
    std::vector<SummaryRow> rows;
    for (auto &[key, g] : groups) {
        g.row.nllTokens = g.ppl.tokens();
        g.row.perplexity = g.ppl.perplexity();
        g.row.meanKl = g.fidelity.meanKl();
        g.row.top1Agreement = g.fidelity.top1Agreement();
        g.row.rougeL = ratio(g.rougeSum, g.rougeTurns);
        g.row.exactMatch = ratio(static_cast<double>(g.exactHits), g.row.exactTurns);
        for (const auto &[kind, k] : g.kinds)
            g.row.kinds[kind] = {ratio(static_cast<double>(k.exactHits), k.exactTurns),
                                 k.exactTurns, ratio(k.answerRougeSum, k.answerRougeTurns),
                                 k.answerRougeTurns};
        rows.push_back(g.row);
    }
    std::sort(rows.begin(), rows.end(), rowBefore);
    return rows;
}

std::vector<std::string> summaryKinds(const std::vector<SummaryRow> &rows)
{
    std::set<std::string> kinds;
    for (const auto &row : rows)
        for (const auto &[kind, k] : row.kinds)
            kinds.insert(kind);
    return {kinds.begin(), kinds.end()};
}

std::string summaryMarkdown(const std::vector<SummaryRow> &rows)
{
    const auto kinds = summaryKinds(rows);
    std::ostringstream out;
    out << "| method | budget | samples | PPL | ROUGE-L(full) | KL (nats) | top-1 agree | "
           "exact match |";
    for (const auto &kind : kinds)
        out << " EM " << kind << " |";
    for (const auto &kind : kinds)
        out << " ROUGE-L(ref) " << kind << " |";
    out << "\n|---|---:|---:|---:|---:|---:|---:|---:|";
    for (size_t i = 0; i < 2 * kinds.size(); ++i)
        out << "---:|";
    out << "\n";
    for (const auto &r : rows) {
        out << "| " << r.method << " | " << number(r.budget, "%.2f", "") << " | " << r.samples
            << " | " << number(r.perplexity, "%.3f", "—") << " | " << number(r.rougeL, "%.4f", "—")
            << " | " << number(r.meanKl, "%.5f", "—") << " | "
            << number(100 * r.top1Agreement, "%.1f%%", "—") << " | "
            << number(100 * r.exactMatch, "%.1f%%", "—") << " |";
        for (const auto &kind : kinds)
            out << " " << number(100 * ofKind(r, kind).exactMatch, "%.1f%%", "—") << " |";
        for (const auto &kind : kinds)
            out << " " << number(ofKind(r, kind).answerRougeL, "%.4f", "—") << " |";
        out << "\n";
    }
    return out.str();
}

std::string summaryCsv(const std::vector<SummaryRow> &rows)
{
    const auto kinds = summaryKinds(rows);
    std::ostringstream out;
    out << "method,budget,samples,nll_tokens,ppl,rouge_l,kl,top1_agreement,exact_match,"
           "exact_turns";
    for (const auto &kind : kinds)
        out << ",exact_match_" << kind << ",exact_turns_" << kind << ",answer_rouge_l_" << kind;
    out << '\n';
    for (const auto &r : rows) {
        out << r.method << ',' << number(r.budget, "%.4f", "") << ',' << r.samples << ','
            << r.nllTokens << ',' << number(r.perplexity, "%.6g", "") << ','
            << number(r.rougeL, "%.6g", "") << ',' << number(r.meanKl, "%.6g", "") << ','
            << number(r.top1Agreement, "%.6g", "") << ',' << number(r.exactMatch, "%.6g", "") << ','
            << r.exactTurns;
        for (const auto &kind : kinds) {
            const auto k = ofKind(r, kind);
            out << ',' << number(k.exactMatch, "%.6g", "") << ',' << k.exactTurns << ','
                << number(k.answerRougeL, "%.6g", "");
        }
        out << '\n';
    }
    return out.str();
}

} // namespace ec::eval
