// Pillow's convolution resize (Image.resize with BICUBIC or BILINEAR, no reducing_gap), bit for
// bit: separable, horizontal pass first, 22-bit fixed-point coefficients, uint8 between passes.
#pragma once

#include "engine/image/rgb_image.h"

namespace ec::image {

enum class ResampleFilter { Bilinear = 2, Bicubic = 3 };

RgbImage resizePillow(const RgbImage &image, int width, int height,
                      ResampleFilter filter = ResampleFilter::Bicubic);

} // namespace ec::image
