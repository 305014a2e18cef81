#include "lab/eval/plot.h"

#include "lab/eval/bitmap_font.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ec::eval {

namespace {

constexpr Rgb kBlack{0, 0, 0}, kGrid{225, 225, 225}, kWhite{255, 255, 255}, kAxisText{60, 60, 60};

std::string tickLabel(double value, double step)
{
    const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step))), 0, 6);
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

} // namespace

std::vector<double> niceTicks(double low, double high, int count)
{
    if (!(high > low)) {
        const double pad = low == 0 ? 1 : std::fabs(low) * 0.1;
        low -= pad;
        high += pad;
    }
    const double rough = (high - low) / std::max(count, 1);
    const double power = std::pow(10.0, std::floor(std::log10(rough)));
    double step = power;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * power >= rough) {
            step = m * power;
            break;
        }
    std::vector<double> ticks;
    for (double t = std::floor(low / step) * step; t <= high + step * 0.5 + 1e-12; t += step)
        ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    return ticks;
}

Rgb seriesColor(size_t index)
{
    static const Rgb palette[] = {{31, 119, 180},  {214, 39, 40}, {44, 160, 44},   {255, 127, 14},
                                  {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {23, 190, 207}};
    return palette[index % std::size(palette)];
}

void drawPlot(const PlotSpec &spec, PlotCanvas &canvas, int width, int height)
{
    canvas.fillRect(0, 0, width, height, kWhite);
    const double left = 80, right = 170, top = 44, bottom = 56;
    const double plotW = width - left - right, plotH = height - top - bottom;

    double xMin = std::numeric_limits<double>::infinity(), xMax = -xMin, yMin = xMin, yMax = -xMin;
    for (const auto &s : spec.series)
        for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
            if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
                xMin = std::min(xMin, s.x[i]);
                xMax = std::max(xMax, s.x[i]);
                yMin = std::min(yMin, s.y[i]);
                yMax = std::max(yMax, s.y[i]);
            }
    if (!std::isfinite(xMin)) { // nothing measured: an empty frame with the title
        xMin = yMin = 0;
        xMax = yMax = 1;
    }
    const auto xTicks = niceTicks(xMin, xMax, 5);
    const auto yTicks = niceTicks(yMin, yMax, 5);
    const double x0 = xTicks.front(), x1 = xTicks.back(), y0 = yTicks.front(), y1 = yTicks.back();
    auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * plotW; };
    auto py = [&](double y) { return top + plotH - (y - y0) / (y1 - y0) * plotH; };

    for (double t : xTicks) {
        canvas.line(px(t), top, px(t), top + plotH, kGrid, 1);
        canvas.text(px(t), top + plotH + 14, tickLabel(t, xTicks[1] - xTicks[0]), kAxisText,
                    TextAnchor::Middle, 1);
    }
    for (double t : yTicks) {
        canvas.line(left, py(t), left + plotW, py(t), kGrid, 1);
        canvas.text(left - 8, py(t), tickLabel(t, yTicks[1] - yTicks[0]), kAxisText,
                    TextAnchor::End, 1);
    }
    canvas.line(left, top + plotH, left + plotW, top + plotH, kBlack, 1);
    canvas.line(left, top, left, top + plotH, kBlack, 1);
    canvas.text(width / 2.0, 20, spec.title, kBlack, TextAnchor::Middle, 2);
    canvas.text(left + plotW / 2, height - 18, spec.xLabel, kBlack, TextAnchor::Middle, 1);
    canvas.text(12, top - 16, spec.yLabel, kBlack, TextAnchor::Start, 1);

    for (size_t k = 0; k < spec.series.size(); ++k) {
        const auto &s = spec.series[k];
        const Rgb color = seriesColor(k);
        std::vector<std::pair<double, double>> points;
        for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
            if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
                points.emplace_back(s.x[i], s.y[i]);
        std::sort(points.begin(), points.end());
        for (size_t i = 1; i < points.size(); ++i)
            canvas.line(px(points[i - 1].first), py(points[i - 1].second), px(points[i].first),
                        py(points[i].second), color, 2);
        for (const auto &[x, y] : points)
            canvas.marker(px(x), py(y), 3.5, color);
        const double ly = top + 10 + 22.0 * static_cast<double>(k);
        const double lx = left + plotW + 16;
        canvas.line(lx, ly, lx + 22, ly, color, 2);
        canvas.marker(lx + 11, ly, 3.5, color);
        canvas.text(lx + 30, ly, s.name, kBlack, TextAnchor::Start, 1);
    }
}

} // namespace ec::eval
