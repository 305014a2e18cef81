// The CLIP image pipeline of LLaVA checkpoints, matching transformers' slow (PIL) processor:
// [pad to square] -> resize shortest edge (Pillow bicubic) -> center crop -> rescale -> normalize.
#pragma once

#include "engine/image/preprocess_config.h"
#include "engine/image/rgb_image.h"

#include <array>
#include <vector>

namespace ec::image {

// Planar float pixels, channel-major [3][height][width] (pixel_values of one image).
struct PixelValues
{
    int width = 0;
    int height = 0;
    std::vector<float> chw;
};

// LLaVA's expand2square: the image centred on a square of `background`.
RgbImage padToSquare(const RgbImage &image, std::array<uint8_t, 3> background);
// (width, height) after resizing the shorter side to `shortest`: int(shortest * long / short).
std::array<int, 2> shortestEdgeSize(int width, int height, int shortest);
// transformers' center_crop: offsets (H - h) // 2 and (W - w) // 2, zero padding when smaller.
RgbImage centerCrop(const RgbImage &image, int width, int height);

// Everything before the float conversion: what Pillow hands to numpy.
RgbImage prepareImage(const RgbImage &image, const PreprocessConfig &config);
// float32(u8 * rescale_factor computed in double), then (x - mean) / std in float32.
PixelValues normalizeImage(const RgbImage &image, const PreprocessConfig &config);
PixelValues preprocessImage(const RgbImage &image, const PreprocessConfig &config);

} // namespace ec::image
