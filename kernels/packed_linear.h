// The weight of one linear layer as the engine keeps it in memory: dense (f32, bf16, f16) or
// quantized by blocks of 32 (q8, q4: kernels/cpu/quant_kernels.h), and y = x W^T + b over it.
#pragma once

#include <ATen/core/Tensor.h>
#include <optional>
#include <string>
#include <vector>

namespace ec::kernels {

enum class WeightFormat { F32, BF16, F16, Q8, Q4 };

std::string weightFormatName(WeightFormat format); // "f32", "bf16", "f16", "q8", "q4"
// The format a name names; nullopt for any other text.
std::optional<WeightFormat> parseWeightFormat(const std::string &name);
bool isQuantized(WeightFormat format);
at::ScalarType denseType(WeightFormat format); // F32/BF16/F16 only

class PackedLinear
{
public:
    PackedLinear() = default;
    // `weight` [out, in] kept as it is when `format` is its own dtype, converted for another
    // dense format, or quantized row by row (from its float32 values) for q8 and q4.
    static PackedLinear pack(const at::Tensor &weight, WeightFormat format);
    // The rows of several weights of one format and width as one weight, so layers that read
    // the same input (q, k, v; gate, up) run as one product: one pass, one thread fork.
    static PackedLinear stack(const std::vector<PackedLinear> &parts);

    WeightFormat format() const { return format_; }
    int64_t outFeatures() const { return out_; }
    int64_t inFeatures() const { return in_; }
    // Bytes one pass over the weight reads (the decode step streams each weight once).
    int64_t bytes() const;
    // The weight as a dense [out, in] tensor of `dtype` on its device (prefill, checks).
    at::Tensor unpacked(at::ScalarType dtype) const;

    const at::Tensor &dense() const { return dense_; }  // dense formats
    const at::Tensor &quants() const { return qs_; }    // q8: int8 [out, in32]; q4: uint8 [out, in32/2]
    const at::Tensor &scales() const { return scales_; } // half [out, in32 / 32]

private:
    WeightFormat format_ = WeightFormat::F32;
    int64_t out_ = 0, in_ = 0;
    at::Tensor dense_, qs_, scales_;
};

// x [..., in] -> [..., out] in x's dtype. On the CPU a few rows at a time (a decode step) run
// this project's kernels, reading each weight once; more rows (a prefill) unpack the weight
// and use torch's matrix product. On CUDA quantized weights are unpacked per call.
at::Tensor linear(const at::Tensor &x, const PackedLinear &weight,
                  const std::optional<at::Tensor> &bias = std::nullopt);

} // namespace ec::kernels
