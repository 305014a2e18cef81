// A minimal safetensors writer for float32 tensors (used by `elastic-cli preprocess`). The full
// reader/writer lives in engine/checkpoint/ on another branch; the integrator may swap this out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ec::image {

struct F32Tensor
{
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> data; // C order, product(shape) values
};

// Layout per the safetensors spec: u64 LE header length, JSON header padded with spaces to a
// multiple of 8 (with "__metadata__": {"format": "pt"}), then the data sorted by name.
// Throws std::runtime_error on I/O errors or a shape/data size mismatch.
void writeSafetensorsF32(const std::filesystem::path &file, std::vector<F32Tensor> tensors);

} // namespace ec::image
