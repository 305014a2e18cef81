// Line plots of a metric against budget, one line per method. The layout is drawn once onto an
// abstract canvas; SvgCanvas and RasterCanvas (PNG) are the two backends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ec::eval {

struct Rgb
{
    uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb &) const = default;
};

enum class TextAnchor { Start, Middle, End };

class PlotCanvas
{
public:
    virtual ~PlotCanvas() = default;
    virtual void fillRect(double x, double y, double w, double h, Rgb color) = 0;
    virtual void line(double x0, double y0, double x1, double y1, Rgb color, double width) = 0;
    virtual void marker(double x, double y, double radius, Rgb color) = 0;
    // `y` is the text's vertical centre; `scale` 1 is a 7 pixel tall capital.
    virtual void text(double x, double y, const std::string &text, Rgb color, TextAnchor anchor,
                      int scale) = 0;
};

struct PlotSeries
{
    std::string name;
    std::vector<double> x, y; // same length; NaN points are skipped
};

struct PlotSpec
{
    std::string title, xLabel, yLabel;
    std::vector<PlotSeries> series;
};

// Up to `count`+1 evenly spaced round numbers (1, 2 or 5 times a power of ten) covering
// [low, high].
std::vector<double> niceTicks(double low, double high, int count);

// The colour of the i-th series (a fixed palette that stays readable in grey).
Rgb seriesColor(size_t index);

void drawPlot(const PlotSpec &spec, PlotCanvas &canvas, int width, int height);

} // namespace ec::eval
