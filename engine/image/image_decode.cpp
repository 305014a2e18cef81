#include "engine/image/image_decode.h"

#include "engine/image/exif_orientation.h"

#include <fstream>
#include <system_error>

#ifdef EC_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace ec::image {

namespace {

// libjpeg "decodes" a cut-off file with a grey bottom and a warning; catch that ourselves.
void checkComplete(std::string_view b, ImageFormat format)
{
    if (format == ImageFormat::Jpeg) {
        size_t scan = b.rfind("\xFF\xDA");
        if (scan == std::string_view::npos || b.find("\xFF\xD9", scan) == std::string_view::npos)
            throw ImageError("truncated JPEG (no end-of-image marker)");
    } else if (format == ImageFormat::Png) {
        size_t tail = b.size() > 4096 ? b.size() - 4096 : 0;
        if (b.find("IEND", tail) == std::string_view::npos)
            throw ImageError("truncated PNG (no IEND chunk)");
    }
}

#ifdef EC_HAVE_OPENCV

void applyOrientation(cv::Mat &m, int orientation)
{
    switch (orientation) {
    case 2:
        cv::flip(m, m, 1);
        break;
    case 3:
        cv::flip(m, m, -1);
        break;
    case 4:
        cv::flip(m, m, 0);
        break;
    case 5:
        cv::transpose(m, m);
        break;
    case 6:
        cv::transpose(m, m);
        cv::flip(m, m, 1);
        break;
    case 7:
        cv::transpose(m, m);
        cv::flip(m, m, -1);
        break;
    case 8:
        cv::transpose(m, m);
        cv::flip(m, m, 0);
        break;
    default:
        break;
    }
}

cv::Mat to8Bit(const cv::Mat &m)
{
    cv::Mat out;
    switch (m.depth()) {
    case CV_8U:
        return m;
    case CV_16U:
        m.convertTo(out, CV_8U, 1.0 / 257.0); // 65535 -> 255, rounded
        return out;
    case CV_32F:
    case CV_64F:
        m.convertTo(out, CV_8U, 255.0); // float images are 0..1
        return out;
    default:
        throw ImageError("unsupported pixel depth");
    }
}

// B G R A (8-bit) -> R G B over white: c*a + 255*(255-a), rounded.
RgbImage flattenOnWhite(const cv::Mat &bgra)
{
    RgbImage out(bgra.cols, bgra.rows);
    for (int y = 0; y < bgra.rows; ++y) {
        const uint8_t *src = bgra.ptr<uint8_t>(y);
        uint8_t *dst = out.row(y);
        for (int x = 0; x < bgra.cols; ++x, src += 4, dst += 3) {
            uint32_t a = src[3];
            for (int c = 0; c < 3; ++c)
                dst[c] = static_cast<uint8_t>((src[2 - c] * a + 255u * (255u - a) + 127u) / 255u);
        }
    }
    return out;
}

RgbImage toRgb(const cv::Mat &decoded)
{
    cv::Mat m = to8Bit(decoded);
    cv::Mat bgra;
    switch (m.channels()) {
    case 1:
        cv::cvtColor(m, bgra, cv::COLOR_GRAY2BGRA);
        break;
    case 2: { // gray + alpha
        std::vector<cv::Mat> planes;
        cv::split(m, planes);
        cv::merge(std::vector<cv::Mat>{planes[0], planes[0], planes[0], planes[1]}, bgra);
        break;
    }
    case 3:
        cv::cvtColor(m, bgra, cv::COLOR_BGR2BGRA);
        break;
    case 4:
        bgra = m;
        break;
    default:
        throw ImageError("unsupported channel count " + std::to_string(m.channels()));
    }
    return flattenOnWhite(bgra);
}

#endif

} // namespace

bool imageDecodingAvailable()
{
#ifdef EC_HAVE_OPENCV
    return true;
#else
    return false;
#endif
}

RgbImage decodeImage(std::string_view bytes, const DecodeLimits &limits)
{
    ImageHeader h = probeImageHeader(bytes);
    if (h.width <= 0 || h.height <= 0)
        throw ImageError(std::string("corrupt ") + formatName(h.format) + ": zero image size");
    if (h.width > limits.maxSide || h.height > limits.maxSide ||
        h.width * h.height > limits.maxPixels)
        throw ImageError("image is too large: " + std::to_string(h.width) + "x" +
                         std::to_string(h.height) + " pixels (limit " +
                         std::to_string(limits.maxPixels / 1000000) + " megapixels, " +
                         std::to_string(limits.maxSide) + " per side)");
    checkComplete(bytes, h.format);
#ifdef EC_HAVE_OPENCV
    cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U,
                   const_cast<char *>(bytes.data())); // imdecode only reads it
    cv::Mat decoded;
    try {
        decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception &e) {
        throw ImageError(std::string("corrupt ") + formatName(h.format) + ": " + e.what());
    }
    if (decoded.empty())
        throw ImageError(std::string("corrupt ") + formatName(h.format) +
                         ": the decoder rejected the data");
    if (decoded.cols != h.width || decoded.rows != h.height)
        throw ImageError(std::string("corrupt ") + formatName(h.format) +
                         ": decoded size differs from the header");
    applyOrientation(decoded, exifOrientation(bytes));
    return toRgb(decoded);
#else
    throw ImageError("image decoding is not available: built without OpenCV (EC_WITH_OPENCV=OFF)");
#endif
}

RgbImage loadImage(const std::filesystem::path &file, const DecodeLimits &limits)
{
    try {
        std::error_code ec;
        auto size = std::filesystem::file_size(file, ec);
        if (ec)
            throw ImageError("cannot read: " + ec.message());
        if (size > limits.maxFileBytes)
            throw ImageError("file is too large (" + std::to_string(size) + " bytes)");
        std::string bytes(static_cast<size_t>(size), '\0');
        std::ifstream in(file, std::ios::binary);
        if (!in || !in.read(bytes.data(), static_cast<std::streamsize>(size)))
            throw ImageError("cannot read the file");
        return decodeImage(bytes, limits);
    } catch (const ImageError &e) {
        throw ImageError(file.string() + ": " + e.what());
    }
}

} // namespace ec::image
