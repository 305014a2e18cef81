#include "lab/eval/report.h"

#include "lab/eval/png_writer.h"
#include "lab/eval/raster_canvas.h"
#include "lab/eval/svg_canvas.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>

namespace ec::eval {

namespace {

struct Metric
{
    const char *stem, *title, *axis;
    std::function<double(const SummaryRow &)> value;
};

const std::vector<Metric> &metrics()
{
    static const std::vector<Metric> list = {
        {"ppl", "Perplexity (teacher forcing)", "PPL", [](auto &r) { return r.perplexity; }},
        {"rouge_l", "ROUGE-L F vs full-cache generation", "ROUGE-L F",
         [](auto &r) { return r.rougeL; }},
        {"kl", "KL divergence from the full cache", "KL (nats)", [](auto &r) { return r.meanKl; }},
        {"top1", "Top-1 agreement with the full cache", "top-1 agreement",
         [](auto &r) { return r.top1Agreement; }},
        {"exact_match", "Exact match with the dataset answers", "exact match",
         [](auto &r) { return r.exactMatch; }},
    };
    return list;
}

void writeText(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush())
        throw std::runtime_error(path + ": cannot write");
}

} // namespace

std::vector<PlotSpec> metricPlots(const std::vector<SummaryRow> &rows)
{
    std::vector<PlotSpec> plots;
    for (const auto &metric : metrics()) {
        PlotSpec spec{metric.title, "KV-cache budget (kept fraction)", metric.axis, {}};
        bool any = false;
        for (const auto &row : rows) {
            const double value = metric.value(row);
            if (std::isnan(value))
                continue;
            any = true;
            auto it = std::find_if(spec.series.begin(), spec.series.end(),
                                   [&](const PlotSeries &s) { return s.name == row.method; });
            if (it == spec.series.end())
                it = spec.series.insert(spec.series.end(), PlotSeries{row.method, {}, {}});
            it->x.push_back(row.budget);
            it->y.push_back(value);
        }
        if (any)
            plots.push_back(std::move(spec));
    }
    return plots;
}

std::string plotStem(const PlotSpec &spec)
{
    for (const auto &metric : metrics())
        if (spec.title == metric.title)
            return metric.stem;
    return "plot";
}

std::vector<std::string> writeReport(const std::vector<SummaryRow> &rows,
                                     const std::string &directory)
{
    std::filesystem::create_directories(directory);
    const std::filesystem::path dir(directory);
    std::vector<std::string> written;
    writeText((dir / "summary.md").string(), summaryMarkdown(rows));
    written.push_back((dir / "summary.md").string());
    writeText((dir / "summary.csv").string(), summaryCsv(rows));
    written.push_back((dir / "summary.csv").string());
    constexpr int width = 760, height = 440;
    for (const auto &spec : metricPlots(rows)) {
        const auto stem = "plot_" + plotStem(spec);
        writeBinaryFile((dir / (stem + ".png")).string(), renderPng(spec, width, height));
        writeText((dir / (stem + ".svg")).string(), renderSvg(spec, width, height));
        written.push_back((dir / (stem + ".png")).string());
        written.push_back((dir / (stem + ".svg")).string());
    }
    return written;
}

} // namespace ec::eval
