// An 8-bit RGB image in memory (row-major, interleaved), what every preprocessing step works on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ec::image {

struct RgbImage
{
    int width = 0;
    int height = 0;
    std::vector<uint8_t> data; // width * height * 3 bytes, R G B

    RgbImage() = default;
    RgbImage(int w, int h)
        : width(w)
        , height(h)
        , data(static_cast<size_t>(w) * h * 3)
    {
    }

    uint8_t *row(int y) { return data.data() + static_cast<size_t>(y) * width * 3; }
    const uint8_t *row(int y) const { return data.data() + static_cast<size_t>(y) * width * 3; }
};

// The rectangle [left, left+w) x [top, top+h); must lie inside the image.
RgbImage cropImage(const RgbImage &image, int left, int top, int w, int h);

} // namespace ec::image
