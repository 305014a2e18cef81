// Image format and dimensions read from the first bytes of a file, so that absurdly large or
// non-image inputs are rejected before any pixel is decoded.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ec::image {

// Every image loading failure: one message that says what is wrong with which file.
class ImageError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

enum class ImageFormat { Png, Jpeg, WebP, Bmp, Tiff };

struct ImageHeader
{
    ImageFormat format;
    int64_t width = 0;
    int64_t height = 0;
};

// Throws ImageError for empty input, unknown formats and headers cut short.
ImageHeader probeImageHeader(std::string_view bytes);

const char *formatName(ImageFormat format);

} // namespace ec::image
