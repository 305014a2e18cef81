// PlotCanvas that draws into an RGB pixel buffer (for PNG output), with the built-in 5x7 font.
#pragma once

#include "lab/eval/plot.h"

#include <vector>

namespace ec::eval {

class RasterCanvas : public PlotCanvas
{
public:
    RasterCanvas(int width, int height);
    void fillRect(double x, double y, double w, double h, Rgb color) override;
    void line(double x0, double y0, double x1, double y1, Rgb color, double width) override;
    void marker(double x, double y, double radius, Rgb color) override;
    void text(double x, double y, const std::string &text, Rgb color, TextAnchor anchor,
              int scale) override;

    int width() const { return width_; }
    int height() const { return height_; }
    Rgb pixel(int x, int y) const;
    const std::vector<uint8_t> &rgb() const { return rgb_; }

private:
    void set(int x, int y, Rgb color);

    int width_, height_;
    std::vector<uint8_t> rgb_;
};

std::vector<uint8_t> renderPng(const PlotSpec &spec, int width, int height);

} // namespace ec::eval
