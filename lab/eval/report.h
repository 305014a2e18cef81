// Writes the outputs of a finished sweep next to its JSON lines: summary.md, summary.csv, and
// one plot per metric against budget (plot_<metric>.png and .svg).
#pragma once

#include "lab/eval/plot.h"
#include "lab/eval/summary.h"

#include <string>
#include <vector>

namespace ec::eval {

// One plot per metric that has at least one measured value; methods measured at a single
// budget (e.g. "full" at 1.0) appear as one point.
std::vector<PlotSpec> metricPlots(const std::vector<SummaryRow> &rows);

// The file stem of a metric plot ("ppl", "rouge_l", "kl", "top1", "exact_match").
std::string plotStem(const PlotSpec &spec);

// Writes the summary and the plots into `directory` (created when missing); returns the paths.
std::vector<std::string> writeReport(const std::vector<SummaryRow> &rows,
                                     const std::string &directory);

} // namespace ec::eval
