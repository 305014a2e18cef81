// pixel_values tensors for the vision tower, from preprocessed images (part of ec_engine, the only
// image code that needs torch; the header stays light with <ATen/core/Tensor.h>).
#pragma once

#include "engine/image/clip_preprocess.h"

#include <ATen/core/Tensor.h>
#include <filesystem>
#include <vector>

namespace ec::image {

// float32 [N, 3, H, W] on the CPU; all images must have the same size.
at::Tensor pixelValuesTensor(const std::vector<PixelValues> &images);

// Decode, preprocess and convert one file: [1, 3, H, W]. Throws ImageError.
at::Tensor loadPixelValues(const std::filesystem::path &file, const PreprocessConfig &config);

} // namespace ec::image
