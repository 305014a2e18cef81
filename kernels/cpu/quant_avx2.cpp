// The AVX2 + FMA + F16C kernels of quant_kernels.h. This file alone is compiled with those
// target flags (kernels/CMakeLists.txt); avx2Kernels() (quant_dispatch.cpp, built without
// them) asks the CPU before handing this table out.
#include "kernels/cpu/quant_kernels.h"

#include <immintrin.h>

namespace ec::kernels::cpu {

namespace {

float horizontalSum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Eight bf16 values as floats: the bits shifted into the high half of each 32-bit lane.
__m256 bf16x8(const uint16_t *p)
{
    __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16));
}

__m256 f16x8(const uint16_t *p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
}

float bf16Scalar(uint16_t bits)
{
    return _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128(static_cast<int>(bits) << 16)));
}

template <__m256 (*Load)(const uint16_t *), float (*Scalar)(uint16_t)>
void denseRows(const uint16_t *w, const float *x, int64_t batch, float *y, int64_t ldy,
               int64_t r0, int64_t r1, int64_t cols)
{
    const int64_t vec = cols / 16 * 16;
    for (int64_t r = r0; r < r1; ++r) {
        const uint16_t *row = w + r * cols;
        for (int64_t m = 0; m < batch; ++m) {
            const float *xm = x + m * cols;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (int64_t c = 0; c < vec; c += 16) {
                a0 = _mm256_fmadd_ps(Load(row + c), _mm256_loadu_ps(xm + c), a0);
                a1 = _mm256_fmadd_ps(Load(row + c + 8), _mm256_loadu_ps(xm + c + 8), a1);
            }
            float acc = horizontalSum(_mm256_add_ps(a0, a1));
            for (int64_t c = vec; c < cols; ++c)
                acc += Scalar(row[c]) * xm[c];
            y[m * ldy + r] = acc;
        }
    }
}

float f16Scalar(uint16_t bits)
{
    return _cvtsh_ss(bits);
}

// Sum of the 32 products of signed bytes w and x, as eight int32 lanes turned float. maddubs
// multiplies unsigned by signed bytes, so |w| times x with w's sign moved onto x; pairs add
// to at most 2 * 127 * 127, inside int16.
__m256 dotBlock(__m256i w, __m256i x)
{
    const __m256i pairs =
        _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

void q8Rows(const int8_t *qs, const uint16_t *scales, const int8_t *xq, const float *xd,
            int64_t batch, float *y, int64_t ldy, int64_t r0, int64_t r1, int64_t cols)
{
    const int64_t blocks = cols / kQuantBlock;
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t m = 0; m < batch; ++m) {
            __m256 acc = _mm256_setzero_ps();
            for (int64_t b = 0; b < blocks; ++b) {
                const __m256i w = _mm256_loadu_si256(
                    reinterpret_cast<const __m256i *>(qs + r * cols + b * kQuantBlock));
                const __m256i x = _mm256_loadu_si256(
                    reinterpret_cast<const __m256i *>(xq + m * cols + b * kQuantBlock));
                const float d = _cvtsh_ss(scales[r * blocks + b]) * xd[m * blocks + b];
                acc = _mm256_fmadd_ps(_mm256_set1_ps(d), dotBlock(w, x), acc);
            }
            y[m * ldy + r] = horizontalSum(acc);
        }
}

void q4Rows(const uint8_t *qs, const uint16_t *scales, const int8_t *xq, const float *xd,
            int64_t batch, float *y, int64_t ldy, int64_t r0, int64_t r1, int64_t cols)
{
    const int64_t blocks = cols / kQuantBlock;
    const __m256i low = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t m = 0; m < batch; ++m) {
            __m256 acc = _mm256_setzero_ps();
            for (int64_t b = 0; b < blocks; ++b) {
                // Low nibbles are elements 0..15 (lower lane), high nibbles 16..31.
                const __m128i packed = _mm_loadu_si128(
                    reinterpret_cast<const __m128i *>(qs + (r * cols + b * kQuantBlock) / 2));
                const __m256i nibbles = _mm256_and_si256(
                    _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), low);
                const __m256i w = _mm256_sub_epi8(nibbles, eight);
                const __m256i x = _mm256_loadu_si256(
                    reinterpret_cast<const __m256i *>(xq + m * cols + b * kQuantBlock));
                const float d = _cvtsh_ss(scales[r * blocks + b]) * xd[m * blocks + b];
                acc = _mm256_fmadd_ps(_mm256_set1_ps(d), dotBlock(w, x), acc);
            }
            y[m * ldy + r] = horizontalSum(acc);
        }
}

} // namespace

const GemvKernels &avx2KernelTable()
{
    static const GemvKernels k{"avx2", denseRows<bf16x8, bf16Scalar>,
                               denseRows<f16x8, f16Scalar>, q8Rows, q4Rows};
    return k;
}

} // namespace ec::kernels::cpu
