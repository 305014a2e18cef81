// The scalar reference of quant_kernels.h: quantizers and plain-loop products.
#include "kernels/cpu/quant_kernels.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <algorithm>
#include <cmath>
#include <cstring>

namespace ec::kernels::cpu {

namespace {

uint16_t toHalfBits(float v)
{
    return c10::Half(v).x;
}

float fromHalfBits(uint16_t bits)
{
    return static_cast<float>(c10::Half(bits, c10::Half::from_bits()));
}

float fromBf16Bits(uint16_t bits)
{
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

// Block b of a row of `cols` floats, zero-padded to 32.
void loadBlock(const float *w, int64_t cols, int64_t b, float *block)
{
    for (int64_t j = 0; j < kQuantBlock; ++j) {
        const int64_t c = b * kQuantBlock + j;
        block[j] = c < cols ? w[c] : 0.0f;
    }
}

void bf16Rows(const uint16_t *w, const float *x, int64_t batch, float *y, int64_t ldy,
              int64_t r0, int64_t r1, int64_t cols)
{
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t m = 0; m < batch; ++m) {
            float acc = 0;
            for (int64_t c = 0; c < cols; ++c)
                acc += fromBf16Bits(w[r * cols + c]) * x[m * cols + c];
            y[m * ldy + r] = acc;
        }
}

void f16Rows(const uint16_t *w, const float *x, int64_t batch, float *y, int64_t ldy,
             int64_t r0, int64_t r1, int64_t cols)
{
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t m = 0; m < batch; ++m) {
            float acc = 0;
            for (int64_t c = 0; c < cols; ++c)
                acc += fromHalfBits(w[r * cols + c]) * x[m * cols + c];
            y[m * ldy + r] = acc;
        }
}

void q8Rows(const int8_t *qs, const uint16_t *scales, const int8_t *xq, const float *xd,
            int64_t batch, float *y, int64_t ldy, int64_t r0, int64_t r1, int64_t cols)
{
    const int64_t blocks = cols / kQuantBlock;
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t m = 0; m < batch; ++m) {
            float acc = 0;
            for (int64_t b = 0; b < blocks; ++b) {
                int32_t dot = 0;
                const int8_t *wq = qs + r * cols + b * kQuantBlock;
                const int8_t *aq = xq + m * cols + b * kQuantBlock;
                for (int64_t j = 0; j < kQuantBlock; ++j)
                    dot += int32_t{wq[j]} * int32_t{aq[j]};
                acc += fromHalfBits(scales[r * blocks + b]) * xd[m * blocks + b] *
                       static_cast<float>(dot);
            }
            y[m * ldy + r] = acc;
        }
}

void q4Rows(const uint8_t *qs, const uint16_t *scales, const int8_t *xq, const float *xd,
            const float * /*xo*/, int64_t batch, float *y, int64_t ldy, int64_t r0, int64_t r1,
            int64_t cols)
{
    const int64_t blocks = cols / kQuantBlock;
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t m = 0; m < batch; ++m) {
            float acc = 0;
            for (int64_t b = 0; b < blocks; ++b) {
                int32_t dot = 0;
                const uint8_t *wq = qs + (r * cols + b * kQuantBlock) / 2;
                const int8_t *aq = xq + m * cols + b * kQuantBlock;
                for (int64_t j = 0; j < kQuantBlock / 2; ++j) {
                    dot += (int32_t{wq[j] & 0x0F} - 8) * int32_t{aq[j]};
                    dot += (int32_t{wq[j] >> 4} - 8) * int32_t{aq[j + kQuantBlock / 2]};
                }
                acc += fromHalfBits(scales[r * blocks + b]) * xd[m * blocks + b] *
                       static_cast<float>(dot);
            }
            y[m * ldy + r] = acc;
        }
}

} // namespace

void quantizeRowQ8(const float *w, int64_t cols, int8_t *qs, uint16_t *scales)
{
    float block[kQuantBlock];
    for (int64_t b = 0; b < paddedCols(cols) / kQuantBlock; ++b) {
        loadBlock(w, cols, b, block);
        float amax = 0;
        for (float v : block)
            amax = std::max(amax, std::fabs(v));
        const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
        scales[b] = toHalfBits(d);
        for (int64_t j = 0; j < kQuantBlock; ++j)
            qs[b * kQuantBlock + j] = static_cast<int8_t>(std::lround(block[j] * id));
    }
}

void quantizeRowQ4(const float *w, int64_t cols, uint8_t *qs, uint16_t *scales)
{
    float block[kQuantBlock];
    for (int64_t b = 0; b < paddedCols(cols) / kQuantBlock; ++b) {
        loadBlock(w, cols, b, block);
        float amax = 0, extreme = 0; // the value of largest magnitude, with its sign
        for (float v : block)
            if (std::fabs(v) > amax) {
                amax = std::fabs(v);
                extreme = v;
            }
        const float d = extreme / -8.0f, id = d != 0 ? 1.0f / d : 0.0f;
        scales[b] = toHalfBits(d);
        auto level = [&](float v) {
            return static_cast<uint8_t>(std::min(15, static_cast<int>(v * id + 8.5f)));
        };
        for (int64_t j = 0; j < kQuantBlock / 2; ++j)
            qs[b * kQuantBlock / 2 + j] = static_cast<uint8_t>(
                level(block[j]) | (level(block[j + kQuantBlock / 2]) << 4));
    }
}

// Whole blocks into a padded buffer, then the row's `cols`: loops the compiler vectorises.
void dequantizeRowQ8(const int8_t *qs, const uint16_t *scales, int64_t cols, float *out)
{
    float block[kQuantBlock];
    for (int64_t b = 0; b * kQuantBlock < cols; ++b) {
        const float d = fromHalfBits(scales[b]);
        for (int64_t j = 0; j < kQuantBlock; ++j)
            block[j] = d * static_cast<float>(qs[b * kQuantBlock + j]);
        std::memcpy(out + b * kQuantBlock, block,
                    sizeof(float) * static_cast<size_t>(std::min(kQuantBlock, cols - b * kQuantBlock)));
    }
}

void dequantizeRowQ4(const uint8_t *qs, const uint16_t *scales, int64_t cols, float *out)
{
    constexpr int64_t half = kQuantBlock / 2;
    float block[kQuantBlock];
    for (int64_t b = 0; b * kQuantBlock < cols; ++b) {
        const float d = fromHalfBits(scales[b]);
        for (int64_t j = 0; j < half; ++j) {
            const uint8_t byte = qs[b * half + j];
            block[j] = d * static_cast<float>((byte & 0x0F) - 8);
            block[j + half] = d * static_cast<float>((byte >> 4) - 8);
        }
        std::memcpy(out + b * kQuantBlock, block,
                    sizeof(float) * static_cast<size_t>(std::min(kQuantBlock, cols - b * kQuantBlock)));
    }
}

void quantizeActivation(const float *x, int64_t cols, int8_t *qs, float *scales, float *offsets)
{
    float block[kQuantBlock];
    for (int64_t b = 0; b < paddedCols(cols) / kQuantBlock; ++b) {
        loadBlock(x, cols, b, block);
        float amax = 0;
        for (float v : block)
            amax = std::max(amax, std::fabs(v));
        const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
        scales[b] = d;
        int32_t sum = 0;
        for (int64_t j = 0; j < kQuantBlock; ++j) {
            qs[b * kQuantBlock + j] = static_cast<int8_t>(std::lround(block[j] * id));
            sum += qs[b * kQuantBlock + j];
        }
        offsets[b] = 8.0f * d * static_cast<float>(sum);
    }
}

const GemvKernels &scalarKernels()
{
    static const GemvKernels k{"scalar", bf16Rows, f16Rows, q8Rows, q4Rows};
    return k;
}

} // namespace ec::kernels::cpu
