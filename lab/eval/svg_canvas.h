// PlotCanvas that writes SVG 1.1 text.
#pragma once

#include "lab/eval/plot.h"

#include <sstream>
#include <string>

namespace ec::eval {

class SvgCanvas : public PlotCanvas
{
public:
    SvgCanvas(int width, int height);
    void fillRect(double x, double y, double w, double h, Rgb color) override;
    void line(double x0, double y0, double x1, double y1, Rgb color, double width) override;
    void marker(double x, double y, double radius, Rgb color) override;
    void text(double x, double y, const std::string &text, Rgb color, TextAnchor anchor,
              int scale) override;
    std::string finish(); // the whole document

private:
    std::ostringstream body_;
    int width_, height_;
};

std::string renderSvg(const PlotSpec &spec, int width, int height);

} // namespace ec::eval
