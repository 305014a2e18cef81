#include "lab/eval/svg_canvas.h"

#include <cstdio>

namespace ec::eval {

namespace {

std::string hex(Rgb c)
{
    char text[8];
    std::snprintf(text, sizeof text, "#%02x%02x%02x", c.r, c.g, c.b);
    return text;
}

std::string escapeXml(const std::string &text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace

SvgCanvas::SvgCanvas(int width, int height)
    : width_(width)
    , height_(height)
{
    body_.precision(6);
}

void SvgCanvas::fillRect(double x, double y, double w, double h, Rgb color)
{
    body_ << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
          << "\" fill=\"" << hex(color) << "\"/>\n";
}

void SvgCanvas::line(double x0, double y0, double x1, double y1, Rgb color, double width)
{
    body_ << "<line x1=\"" << x0 << "\" y1=\"" << y0 << "\" x2=\"" << x1 << "\" y2=\"" << y1
          << "\" stroke=\"" << hex(color) << "\" stroke-width=\"" << width << "\"/>\n";
}

void SvgCanvas::marker(double x, double y, double radius, Rgb color)
{
    body_ << "<circle cx=\"" << x << "\" cy=\"" << y << "\" r=\"" << radius << "\" fill=\""
          << hex(color) << "\"/>\n";
}

void SvgCanvas::text(double x, double y, const std::string &text, Rgb color, TextAnchor anchor,
                     int scale)
{
    const char *anchorName = anchor == TextAnchor::Start    ? "start"
                             : anchor == TextAnchor::Middle ? "middle"
                                                            : "end";
    body_ << "<text x=\"" << x << "\" y=\"" << y << "\" dominant-baseline=\"middle\" "
          << "text-anchor=\"" << anchorName << "\" font-family=\"sans-serif\" font-size=\""
          << 11 * scale << "\" fill=\"" << hex(color) << "\">" << escapeXml(text) << "</text>\n";
}

std::string SvgCanvas::finish()
{
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width_ << "\" height=\""
        << height_ << "\" viewBox=\"0 0 " << width_ << ' ' << height_ << "\">\n"
        << body_.str() << "</svg>\n";
    return out.str();
}

std::string renderSvg(const PlotSpec &spec, int width, int height)
{
    SvgCanvas canvas(width, height);
    drawPlot(spec, canvas, width, height);
    return canvas.finish();
}

} // namespace ec::eval
