#include "lab/eval/raster_canvas.h"

#include "lab/eval/bitmap_font.h"
#include "lab/eval/png_writer.h"

#include <algorithm>
#include <cmath>

namespace ec::eval {

RasterCanvas::RasterCanvas(int width, int height)
    : width_(width)
    , height_(height)
    , rgb_(static_cast<size_t>(width) * static_cast<size_t>(height) * 3, 255)
{
}

void RasterCanvas::set(int x, int y, Rgb color)
{
    if (x < 0 || y < 0 || x >= width_ || y >= height_)
        return;
    auto *p = &rgb_[(static_cast<size_t>(y) * static_cast<size_t>(width_) + x) * 3];
    p[0] = color.r;
    p[1] = color.g;
    p[2] = color.b;
}

Rgb RasterCanvas::pixel(int x, int y) const
{
    const auto *p = &rgb_[(static_cast<size_t>(y) * static_cast<size_t>(width_) + x) * 3];
    return {p[0], p[1], p[2]};
}

void RasterCanvas::fillRect(double x, double y, double w, double h, Rgb color)
{
    for (int yy = static_cast<int>(std::lround(y)); yy < std::lround(y + h); ++yy)
        for (int xx = static_cast<int>(std::lround(x)); xx < std::lround(x + w); ++xx)
            set(xx, yy, color);
}

void RasterCanvas::line(double x0, double y0, double x1, double y1, Rgb color, double width)
{
    // Stamp a square pen of the line's width at sub-pixel steps along the segment.
    const double length = std::hypot(x1 - x0, y1 - y0);
    const int steps = std::max(1, static_cast<int>(std::ceil(length * 2)));
    const int pen = std::max(1, static_cast<int>(std::lround(width)));
    for (int i = 0; i <= steps; ++i) {
        const double t = static_cast<double>(i) / steps;
        const int cx = static_cast<int>(std::floor(x0 + (x1 - x0) * t - (pen - 1) / 2.0));
        const int cy = static_cast<int>(std::floor(y0 + (y1 - y0) * t - (pen - 1) / 2.0));
        for (int dy = 0; dy < pen; ++dy)
            for (int dx = 0; dx < pen; ++dx)
                set(cx + dx, cy + dy, color);
    }
}

void RasterCanvas::marker(double x, double y, double radius, Rgb color)
{
    const int r = static_cast<int>(std::ceil(radius));
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx)
            if (dx * dx + dy * dy <= radius * radius)
                set(static_cast<int>(std::lround(x)) + dx, static_cast<int>(std::lround(y)) + dy,
                    color);
}

void RasterCanvas::text(double x, double y, const std::string &text, Rgb color, TextAnchor anchor,
                        int scale)
{
    const int textWidth = static_cast<int>(text.size()) * kGlyphAdvance * scale - scale;
    int left = static_cast<int>(std::lround(x));
    if (anchor == TextAnchor::Middle)
        left -= textWidth / 2;
    else if (anchor == TextAnchor::End)
        left -= textWidth;
    const int top = static_cast<int>(std::lround(y)) - kGlyphHeight * scale / 2;
    for (size_t i = 0; i < text.size(); ++i)
        for (int row = 0; row < kGlyphHeight; ++row)
            for (int column = 0; column < kGlyphWidth; ++column)
                if (glyphPixel(text[i], column, row))
                    for (int sy = 0; sy < scale; ++sy)
                        for (int sx = 0; sx < scale; ++sx)
                            set(left + (static_cast<int>(i) * kGlyphAdvance + column) * scale + sx,
                                top + row * scale + sy, color);
}

std::vector<uint8_t> renderPng(const PlotSpec &spec, int width, int height)
{
    RasterCanvas canvas(width, height);
    drawPlot(spec, canvas, width, height);
    return encodePng(width, height, canvas.rgb());
}

} // namespace ec::eval
