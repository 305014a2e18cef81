#include "engine/image/rgb_image.h"

#include <cstring>
#include <stdexcept>

namespace ec::image {

RgbImage cropImage(const RgbImage &image, int left, int top, int w, int h)
{
    if (left < 0 || top < 0 || w <= 0 || h <= 0 || left + w > image.width || top + h > image.height)
        throw std::invalid_argument("crop rectangle outside the image");
    RgbImage out(w, h);
    for (int y = 0; y < h; ++y)
        std::memcpy(out.row(y), image.row(top + y) + static_cast<size_t>(left) * 3,
                    static_cast<size_t>(w) * 3);
    return out;
}

} // namespace ec::image
