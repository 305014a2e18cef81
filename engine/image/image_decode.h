// Decoding image files into 8-bit RGB with OpenCV: JPEG, PNG, WebP, BMP, TIFF; grayscale is
// replicated, alpha is flattened on white, 16-bit is scaled to 8-bit, EXIF orientation applied.
#pragma once

#include "engine/image/image_header.h"
#include "engine/image/rgb_image.h"

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace ec::image {

struct DecodeLimits
{
    int64_t maxPixels = 64ll * 1000 * 1000; // checked on the header, before decoding
    int64_t maxSide = 32768;
    uint64_t maxFileBytes = 256ull << 20;
};

// Throws ImageError with one clear message (empty, not an image, too large, truncated, corrupt).
// Without OpenCV (EC_WITH_OPENCV=OFF) it throws saying so.
RgbImage decodeImage(std::string_view fileBytes, const DecodeLimits &limits = {});
RgbImage loadImage(const std::filesystem::path &file, const DecodeLimits &limits = {});

bool imageDecodingAvailable();

} // namespace ec::image
