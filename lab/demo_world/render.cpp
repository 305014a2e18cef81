#include "lab/demo_world/render.h"

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

namespace ec::demo {

namespace {

std::vector<cv::Point> regularPolygon(cv::Point2d c, double r, int corners, double startDeg)
{
    std::vector<cv::Point> points;
    for (int i = 0; i < corners; ++i) {
        const double a = (startDeg + 360.0 * i / corners) * M_PI / 180.0;
        points.emplace_back(cvRound(c.x + r * std::cos(a)), cvRound(c.y + r * std::sin(a)));
    }
    return points;
}

std::vector<cv::Point> starPolygon(cv::Point2d c, double r)
{
    std::vector<cv::Point> points;
    for (int i = 0; i < 10; ++i) {
        const double a = (-90.0 + 36.0 * i) * M_PI / 180.0;
        const double radius = i % 2 == 0 ? r : r * 0.45;
        points.emplace_back(cvRound(c.x + radius * std::cos(a)),
                            cvRound(c.y + radius * std::sin(a)));
    }
    return points;
}

void drawObject(cv::Mat &canvas, const Object &o, int size)
{
    const double cell = size / 3.0;
    const double r = cell * (o.size == 1 ? 0.36 : 0.24);
    const cv::Point2d c((o.cell % 3 + 0.5) * cell + o.dx * cell / 24.0,
                        (o.cell / 3 + 0.5) * cell + o.dy * cell / 24.0);
    const auto &rgb = objectColours()[static_cast<size_t>(o.colour)].rgb;
    const cv::Scalar colour(rgb[0], rgb[1], rgb[2]); // the canvas is RGB
    switch (o.shape) {
    case 0:
        cv::circle(canvas, cv::Point(cvRound(c.x), cvRound(c.y)), cvRound(r), colour, cv::FILLED,
                   cv::LINE_8);
        break;
    case 1:
        cv::fillConvexPoly(canvas, regularPolygon(c, r * 1.2, 4, 45.0), colour, cv::LINE_8);
        break;
    case 2:
        cv::fillConvexPoly(canvas, regularPolygon(c + cv::Point2d(0, r * 0.2), r * 1.2, 3, -90.0),
                           colour, cv::LINE_8);
        break;
    case 3: {
        std::vector<std::vector<cv::Point>> polys{starPolygon(c, r * 1.25)};
        cv::fillPoly(canvas, polys, colour, cv::LINE_8);
        break;
    }
    default:
        cv::fillConvexPoly(canvas, regularPolygon(c, r * 1.2, 4, 0.0), colour, cv::LINE_8);
        break;
    }
}

} // namespace

image::RgbImage renderScene(const Scene &scene, int size)
{
    if (size < 24)
        throw std::invalid_argument("demo world: image size must be at least 24");
    const auto &bg = backgroundColours()[static_cast<size_t>(scene.background)].rgb;
    cv::Mat canvas(size, size, CV_8UC3, cv::Scalar(bg[0], bg[1], bg[2]));
    for (const auto &o : scene.objects)
        drawObject(canvas, o, size);

    cv::Mat noise(size, size, CV_16SC3);
    cv::RNG rng(scene.noiseSeed); // cv::RNG is specified, so the noise is reproducible too
    rng.fill(noise, cv::RNG::NORMAL, 0.0, kNoiseSigma);
    cv::Mat noisy;
    canvas.convertTo(noisy, CV_16SC3);
    noisy += noise;
    noisy.convertTo(canvas, CV_8UC3); // saturates at 0 and 255

    image::RgbImage out(size, size);
    for (int y = 0; y < size; ++y)
        std::copy_n(canvas.ptr<uint8_t>(y), size * 3, out.row(y));
    return out;
}

void writePng(const image::RgbImage &image, const std::filesystem::path &path)
{
    cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t *>(image.data.data()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    if (!cv::imwrite(path.string(), bgr))
        throw std::runtime_error(path.string() + ": cannot write PNG");
}

} // namespace ec::demo
