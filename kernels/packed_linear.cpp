#include "kernels/packed_linear.h"

#include "kernels/cpu/quant_kernels.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <vector>

namespace ec::kernels {

namespace {

using cpu::kQuantBlock;

// Up to this many rows the CPU runs one pass over the weight per call (a decode step, or a
// small batch of them); beyond, unpacking and torch's GEMM (a prefill). The kernels re-read x
// per weight row, so their cost grows with the rows while the weight pass stays the same.
constexpr int64_t kMaxKernelRows = 16;

const uint16_t *halfBits(const at::Tensor &t)
{
    return reinterpret_cast<const uint16_t *>(t.data_ptr<at::Half>());
}

uint16_t *halfBits(at::Tensor &t)
{
    return reinterpret_cast<uint16_t *>(t.data_ptr<at::Half>());
}

// Rows over torch's intra-op threads in chunks of 64 that each thread takes as it finishes the
// last: a static half each left one core waiting on the other (a shared or throttled core)
// for a sixth of the decode step.
template <class F>
void forRows(int64_t rows, F &&f)
{
    constexpr int64_t kChunk = 64;
    const int64_t chunks = (rows + kChunk - 1) / kChunk;
    const int64_t threads = std::min<int64_t>(at::get_num_threads(), chunks);
    if (threads <= 1) {
        f(0, rows);
        return;
    }
    std::atomic<int64_t> next{0};
    at::parallel_for(0, threads, 1, [&](int64_t, int64_t) {
        for (int64_t c; (c = next.fetch_add(1)) < chunks;)
            f(c * kChunk, std::min(rows, (c + 1) * kChunk));
    });
}

at::Tensor kernelProduct(const at::Tensor &x2d, const PackedLinear &w)
{
    const auto &k = cpu::bestKernels();
    const int64_t M = x2d.size(0), in = w.inFeatures(), out = w.outFeatures();
    at::Tensor x = x2d.to(at::kFloat).contiguous();
    at::Tensor y = at::empty({M, out}, x.options());
    float *yp = y.data_ptr<float>();
    const float *xp = x.data_ptr<float>();
    switch (w.format()) {
    case WeightFormat::BF16:
    case WeightFormat::F16: {
        const auto *wp = reinterpret_cast<const uint16_t *>(w.dense().data_ptr());
        auto rows = w.format() == WeightFormat::BF16 ? k.bf16 : k.f16;
        forRows(out, [&](int64_t r0, int64_t r1) { rows(wp, xp, M, yp, out, r0, r1, in); });
        break;
    }
    case WeightFormat::Q8:
    case WeightFormat::Q4: {
        const int64_t cols = cpu::paddedCols(in), blocks = cols / kQuantBlock;
        std::vector<int8_t> xq(static_cast<size_t>(M * cols));
        std::vector<float> xd(static_cast<size_t>(M * blocks)), xo(xd.size());
        for (int64_t m = 0; m < M; ++m)
            cpu::quantizeActivation(xp + m * in, in, xq.data() + m * cols, xd.data() + m * blocks,
                                    xo.data() + m * blocks);
        const uint16_t *d = halfBits(w.scales());
        if (w.format() == WeightFormat::Q8) {
            const auto *qs = w.quants().data_ptr<int8_t>();
            forRows(out, [&](int64_t r0, int64_t r1) {
                k.q8(qs, d, xq.data(), xd.data(), M, yp, out, r0, r1, cols);
            });
        } else {
            const auto *qs = w.quants().data_ptr<uint8_t>();
            forRows(out, [&](int64_t r0, int64_t r1) {
                k.q4(qs, d, xq.data(), xd.data(), xo.data(), M, yp, out, r0, r1, cols);
            });
        }
        break;
    }
    case WeightFormat::F32:
        throw std::logic_error("kernelProduct: f32 weights go through torch");
    }
    return y;
}

// Many rows of x (a prefill) against 16-bit or quantized weights: unpack a slab of weight rows
// at a time into float32, small enough to stay in cache, and multiply it with torch's SGEMM.
// (Unpacking a whole 16-bit matrix per product instead made prefill 1.9x slower than float32
// weights: a fresh 50-100 MB buffer a product, paid for in page faults.)
at::Tensor slabProduct(const at::Tensor &x2d, const PackedLinear &w)
{
    constexpr int64_t kSlabRows = 256;
    const int64_t in = w.inFeatures(), out = w.outFeatures();
    const int64_t cols = cpu::paddedCols(in), blocks = cols / kQuantBlock;
    const at::Tensor x = x2d.to(at::kFloat).contiguous();
    std::vector<at::Tensor> parts;
    at::Tensor slab = at::empty({std::min(kSlabRows, out), in}, x.options());
    const bool dense = !isQuantized(w.format());
    const uint16_t *d = dense ? nullptr : halfBits(w.scales());
    for (int64_t r0 = 0; r0 < out; r0 += kSlabRows) {
        const int64_t n = std::min(kSlabRows, out - r0);
        if (dense) {
            slab.narrow(0, 0, n).copy_(w.dense().narrow(0, r0, n));
            parts.push_back(at::mm(x, slab.narrow(0, 0, n).t()));
            continue;
        }
        float *sp = slab.data_ptr<float>();
        forRows(n, [&](int64_t a, int64_t b) {
            for (int64_t r = a; r < b; ++r) {
                const int64_t row = r0 + r;
                if (w.format() == WeightFormat::Q8)
                    cpu::dequantizeRowQ8(w.quants().data_ptr<int8_t>() + row * cols,
                                         d + row * blocks, in, sp + r * in);
                else
                    cpu::dequantizeRowQ4(w.quants().data_ptr<uint8_t>() + row * cols / 2,
                                         d + row * blocks, in, sp + r * in);
            }
        });
        parts.push_back(at::mm(x, slab.narrow(0, 0, n).t()));
    }
    return parts.size() == 1 ? parts[0] : at::cat(parts, 1);
}

} // namespace

std::string weightFormatName(WeightFormat format)
{
    switch (format) {
    case WeightFormat::F32: return "f32";
    case WeightFormat::BF16: return "bf16";
    case WeightFormat::F16: return "f16";
    case WeightFormat::Q8: return "q8";
    case WeightFormat::Q4: return "q4";
    }
    return "?";
}

std::optional<WeightFormat> parseWeightFormat(const std::string &name)
{
    for (auto f : {WeightFormat::F32, WeightFormat::BF16, WeightFormat::F16, WeightFormat::Q8,
                   WeightFormat::Q4})
        if (name == weightFormatName(f))
            return f;
    return std::nullopt;
}

bool isQuantized(WeightFormat format)
{
    return format == WeightFormat::Q8 || format == WeightFormat::Q4;
}

at::ScalarType denseType(WeightFormat format)
{
    switch (format) {
    case WeightFormat::F32: return at::kFloat;
    case WeightFormat::BF16: return at::kBFloat16;
    case WeightFormat::F16: return at::kHalf;
    default: throw std::logic_error("denseType: " + weightFormatName(format) + " is quantized");
    }
}

PackedLinear PackedLinear::pack(const at::Tensor &weight, WeightFormat format)
{
    if (weight.dim() != 2)
        throw std::invalid_argument("PackedLinear: a linear weight is [out, in]");
    PackedLinear p;
    p.format_ = format;
    p.out_ = weight.size(0);
    p.in_ = weight.size(1);
    if (!isQuantized(format)) {
        p.dense_ = weight.to(denseType(format)).contiguous();
        return p;
    }
    // Quantized on the CPU (the formats are defined there), then moved to the weight's device.
    const at::Tensor w = weight.to(at::kCPU, at::kFloat).contiguous();
    const int64_t cols = cpu::paddedCols(p.in_), blocks = cols / kQuantBlock;
    const bool q8 = format == WeightFormat::Q8;
    at::Tensor qs = at::empty({p.out_, q8 ? cols : cols / 2}, at::dtype(q8 ? at::kChar : at::kByte));
    at::Tensor scales = at::empty({p.out_, blocks}, at::dtype(at::kHalf));
    const float *wp = w.data_ptr<float>();
    uint16_t *sp = halfBits(scales);
    forRows(p.out_, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            if (q8)
                cpu::quantizeRowQ8(wp + r * p.in_, p.in_, qs.data_ptr<int8_t>() + r * cols,
                                   sp + r * blocks);
            else
                cpu::quantizeRowQ4(wp + r * p.in_, p.in_, qs.data_ptr<uint8_t>() + r * cols / 2,
                                   sp + r * blocks);
        }
    });
    p.qs_ = qs.to(weight.device());
    p.scales_ = scales.to(weight.device());
    return p;
}

PackedLinear PackedLinear::stack(const std::vector<PackedLinear> &parts)
{
    if (parts.empty())
        throw std::invalid_argument("PackedLinear::stack: no weights");
    PackedLinear p;
    p.format_ = parts[0].format_;
    p.in_ = parts[0].in_;
    std::vector<at::Tensor> dense, qs, scales;
    for (const auto &part : parts) {
        if (part.format_ != p.format_ || part.in_ != p.in_)
            throw std::invalid_argument("PackedLinear::stack: weights differ in format or width");
        p.out_ += part.out_;
        (isQuantized(p.format_) ? qs : dense).push_back(isQuantized(p.format_) ? part.qs_ : part.dense_);
        if (isQuantized(p.format_))
            scales.push_back(part.scales_);
    }
    if (isQuantized(p.format_)) {
        p.qs_ = at::cat(qs, 0);
        p.scales_ = at::cat(scales, 0);
    } else {
        p.dense_ = at::cat(dense, 0);
    }
    return p;
}

int64_t PackedLinear::bytes() const
{
    if (!isQuantized(format_))
        return dense_.defined() ? dense_.numel() * static_cast<int64_t>(dense_.element_size()) : 0;
    return qs_.numel() * static_cast<int64_t>(qs_.element_size()) +
           scales_.numel() * static_cast<int64_t>(scales_.element_size());
}

at::Tensor PackedLinear::unpacked(at::ScalarType dtype) const
{
    if (!isQuantized(format_))
        return dense_.to(dtype);
    // Torch ops, so it runs on whatever device the weight is on.
    at::Tensor q;
    if (format_ == WeightFormat::Q8) {
        q = qs_.to(at::kFloat);
    } else {
        // Per block: the 16 low nibbles are elements 0..15, the high ones 16..31.
        at::Tensor bytes = qs_.view({out_, -1, kQuantBlock / 2}).to(at::kShort);
        q = at::cat({at::bitwise_and(bytes, 0x0F), at::bitwise_right_shift(bytes, 4)}, -1)
                .to(at::kFloat)
                .sub_(8)
                .view({out_, -1});
    }
    at::Tensor w = (q.view({out_, -1, kQuantBlock}) * scales_.to(at::kFloat).unsqueeze(-1))
                       .view({out_, -1})
                       .narrow(1, 0, in_);
    return w.to(dtype).contiguous();
}

at::Tensor linear(const at::Tensor &x, const PackedLinear &w, const std::optional<at::Tensor> &bias)
{
    if (x.size(-1) != w.inFeatures())
        throw std::invalid_argument("linear: input width " + std::to_string(x.size(-1)) +
                                    " differs from the weight's " +
                                    std::to_string(w.inFeatures()));
    const int64_t rows = x.numel() / std::max<int64_t>(1, x.size(-1));
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = w.outFeatures();
    const auto b = bias ? c10::optional<at::Tensor>(*bias) : c10::nullopt;
    if (x.device().is_cpu() && w.format() == WeightFormat::F32 && rows == 1 &&
        x.scalar_type() == at::kFloat) {
        // One f32 row: BLAS gemv is several times faster than gemm with m = 1.
        at::Tensor y = at::mv(w.dense(), x.reshape({-1}));
        if (bias)
            y.add_(*bias);
        return y.view(shape);
    }
    if (x.device().is_cpu() && w.format() != WeightFormat::F32 && rows <= kMaxKernelRows &&
        rows > 0) {
        at::Tensor y = kernelProduct(x.reshape({rows, w.inFeatures()}), w);
        if (bias)
            y.add_(*bias);
        return y.to(x.scalar_type()).view(shape);
    }
    if (!isQuantized(w.format()) && w.dense().scalar_type() == x.scalar_type())
        return at::linear(x, w.dense(), b);
    if (x.device().is_cpu() && w.format() != WeightFormat::F32 && rows > 0) {
        at::Tensor y = slabProduct(x.reshape({rows, w.inFeatures()}), w);
        if (bias)
            y.add_(*bias);
        return y.to(x.scalar_type()).view(shape);
    }
    return at::linear(x, w.unpacked(x.scalar_type()), b);
}

} // namespace ec::kernels
