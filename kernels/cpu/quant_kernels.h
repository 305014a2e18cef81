// Weight-only quantization and the matrix-vector products of the CPU decode path, on raw
// pointers (no torch here, so the SIMD files build with their own target flags).
//
// Formats, per row of a [rows, cols] weight, in blocks of 32 along the row (cols padded with
// zeros to a multiple of 32; scales are IEEE half):
//   q8: int8 q in [-127, 127], d = max|w| / 127, w ~ d * q. 8.5 bits a weight.
//   q4: 4-bit q in [0, 15], d = m / -8 where m is the block's value of largest magnitude (so m
//       maps to -8 exactly and the range uses all 16 levels), w ~ d * (q - 8). Byte j of a block
//       holds element j in its low nibble and element j + 16 in its high one. 4.5 bits a weight.
// These are the same block layouts as GGML's Q8_0 and Q4_0 (public format, ggml/src/ggml-quants
// in llama.cpp), which lets the speed comparison with llama.cpp stream the same bytes.
//
// The quantized products quantize the activation row to int8 per block of 32 (d = max|x| / 127)
// and accumulate integer dot products per block, scaled by both d's: y = sum_b dw_b dx_b <qw, qx>.
#pragma once

#include <cstdint>

namespace ec::kernels::cpu {

constexpr int64_t kQuantBlock = 32;

constexpr int64_t paddedCols(int64_t cols)
{
    return (cols + kQuantBlock - 1) / kQuantBlock * kQuantBlock;
}

// One row of `cols` floats into paddedCols(cols) / 32 blocks.
void quantizeRowQ8(const float *w, int64_t cols, int8_t *qs, uint16_t *scales);
void quantizeRowQ4(const float *w, int64_t cols, uint8_t *qs, uint16_t *scales);
// Back to `cols` floats.
void dequantizeRowQ8(const int8_t *qs, const uint16_t *scales, int64_t cols, float *out);
void dequantizeRowQ4(const uint8_t *qs, const uint16_t *scales, int64_t cols, float *out);
// An activation row: int8 per block of 32 with a float scale (padding quantizes to 0), and
// per block 8 * scale * (sum of its levels), which the q4 kernels subtract once per block
// instead of taking 8 from every weight level.
void quantizeActivation(const float *x, int64_t cols, int8_t *qs, float *scales, float *offsets);

// y[m * ldy + r] = <row r of W, x_m> for rows [r0, r1) and the `batch` activation rows x_m.
// Each weight row is read once for all activation rows (so a small batch costs one pass over
// the weights). Rows are `cols` long: any width for bf16/f16, the padded width for q8/q4.
struct GemvKernels
{
    const char *name; // "avx2" or "scalar"
    void (*bf16)(const uint16_t *w, const float *x, int64_t batch, float *y, int64_t ldy,
                 int64_t r0, int64_t r1, int64_t cols);
    void (*f16)(const uint16_t *w, const float *x, int64_t batch, float *y, int64_t ldy,
                int64_t r0, int64_t r1, int64_t cols);
    void (*q8)(const int8_t *qs, const uint16_t *scales, const int8_t *xq, const float *xd,
               int64_t batch, float *y, int64_t ldy, int64_t r0, int64_t r1, int64_t cols);
    // xo: quantizeActivation's offsets (the scalar reference computes from the definition).
    void (*q4)(const uint8_t *qs, const uint16_t *scales, const int8_t *xq, const float *xd,
               const float *xo, int64_t batch, float *y, int64_t ldy, int64_t r0, int64_t r1,
               int64_t cols);
};

// The scalar reference: plain loops, the definition the SIMD kernels are tested against.
const GemvKernels &scalarKernels();
// AVX2 + FMA + F16C; nullptr when this CPU (or this build) lacks them.
const GemvKernels *avx2Kernels();
// The fastest this CPU runs; EC_CPU_KERNELS=scalar forces the reference.
const GemvKernels &bestKernels();

} // namespace ec::kernels::cpu
