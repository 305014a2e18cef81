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

// The 32 signed levels of block b of a q8 row.
__m256i q8Block(const int8_t *row, int64_t b)
{
    return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(row + b * kQuantBlock));
}

// Eight blocks' combined scales dw * dx, as floats.
__m256 scales8(const uint16_t *dw, const float *dx)
{
    return _mm256_mul_ps(f16x8(dw), _mm256_loadu_ps(dx));
}

// Lane u of v in every lane (one permute instead of a scalar round trip per block).
__m256 lane(__m256 v, int u)
{
    return _mm256_permutevar8x32_ps(v, _mm256_set1_epi32(u));
}

// q4 levels as unsigned nibbles 0..15 (not yet minus 8).
__m256i q4Nibbles(const uint8_t *row, int64_t b)
{
    const __m128i packed =
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + b * kQuantBlock / 2));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed),
                            _mm256_set1_epi8(0x0F));
}

// Sum of the 32 products of unsigned bytes u and signed bytes x, as eight int32 lanes turned
// float (pairs reach at most 2 * 15 * 127).
__m256 dotUnsigned(__m256i u, __m256i x)
{
    return _mm256_cvtepi32_ps(
        _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), _mm256_set1_epi16(1)));
}

// One weight row against one activation row, eight blocks at a time with their scales
// converted together; two accumulators so the FMAs overlap.
template <class Row, __m256 (*Dot)(const Row *, const int8_t *, int64_t)>
float quantDot(const Row *w, const uint16_t *dw, const int8_t *x, const float *dx, int64_t blocks)
{
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 8 <= blocks; b += 8) {
        const __m256 d = scales8(dw + b, dx + b);
        for (int u = 0; u < 8; u += 2) {
            acc0 = _mm256_fmadd_ps(lane(d, u), Dot(w, x, b + u), acc0);
            acc1 = _mm256_fmadd_ps(lane(d, u + 1), Dot(w, x, b + u + 1), acc1);
        }
    }
    for (; b < blocks; ++b)
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(dw[b]) * dx[b]), Dot(w, x, b), acc0);
    return horizontalSum(_mm256_add_ps(acc0, acc1));
}

__m256 q8Dot(const int8_t *w, const int8_t *x, int64_t b)
{
    return dotBlock(q8Block(w, b), q8Block(x, b));
}

// q4 as unsigned nibbles times x: the "- 8" is applied once per row (q4Rows), not per block.
__m256 q4NibbleDot(const uint8_t *w, const int8_t *x, int64_t b)
{
    return dotUnsigned(q4Nibbles(w, b), q8Block(x, b));
}

void q8Rows(const int8_t *qs, const uint16_t *scales, const int8_t *xq, const float *xd,
            int64_t batch, float *y, int64_t ldy, int64_t r0, int64_t r1, int64_t cols)
{
    const int64_t blocks = cols / kQuantBlock;
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t m = 0; m < batch; ++m)
            y[m * ldy + r] = quantDot<int8_t, q8Dot>(qs + r * cols, scales + r * blocks,
                                                     xq + m * cols, xd + m * blocks, blocks);
}

// Rows in fours: each activation block loaded and unpacked serves four weight rows.
constexpr int64_t kRowGroup = 4;

// sum_b dw dx <q - 8, x> = sum_b dw dx <q, x> - 8 sum_b dw (dx sum(x_b)): the second sum is a
// product of the row's scales with quantizeActivation's offsets.
float q4Correction(const uint16_t *dw, const float *off, int64_t blocks)
{
    __m256 corr = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 8 <= blocks; b += 8)
        corr = _mm256_fmadd_ps(f16x8(dw + b), _mm256_loadu_ps(off + b), corr);
    float correction = horizontalSum(corr);
    for (; b < blocks; ++b)
        correction += _cvtsh_ss(dw[b]) * off[b];
    return correction;
}

// Four q4 rows against one activation row, two blocks per step: the 32 bytes of blocks b and
// b + 1 unpack with one shift and two masks into [b's elements 0-15 | b+1's 0-15] and
// [b's 16-31 | b+1's 16-31]; the activation's halves are paired the same way (two lane
// permutes, shared by the four rows). The two unsigned-by-signed products add as int16 (at most
// 4 * 15 * 127) before one widening, so a block costs about half the instructions of q4NibbleDot.
void q4RowGroup(const uint8_t *const *rows, const uint16_t *const *dw, const int8_t *xq,
                const float *xd, int64_t blocks, float *out)
{
    const __m256i low4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    __m256 acc[kRowGroup];
    for (int i = 0; i < kRowGroup; ++i)
        acc[i] = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 8 <= blocks; b += 8) {
        __m256 d[kRowGroup];
        for (int i = 0; i < kRowGroup; ++i)
            d[i] = scales8(dw[i] + b, xd + b);
        for (int p = 0; p < 8; p += 2) {
            const __m256i x0 = q8Block(xq, b + p), x1 = q8Block(xq, b + p + 1);
            const __m256i xLow = _mm256_permute2x128_si256(x0, x1, 0x20);
            const __m256i xHigh = _mm256_permute2x128_si256(x0, x1, 0x31);
            const __m256i pick = _mm256_setr_epi32(p, p, p, p, p + 1, p + 1, p + 1, p + 1);
            for (int i = 0; i < kRowGroup; ++i) {
                const __m256i bytes = _mm256_loadu_si256(
                    reinterpret_cast<const __m256i *>(rows[i] + (b + p) * kQuantBlock / 2));
                const __m256i lo = _mm256_and_si256(bytes, low4);
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
                const __m256i sums = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xLow),
                                                      _mm256_maddubs_epi16(hi, xHigh));
                const __m256 dots = _mm256_cvtepi32_ps(_mm256_madd_epi16(sums, ones));
                acc[i] = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(d[i], pick), dots, acc[i]);
            }
        }
    }
    for (int i = 0; i < kRowGroup; ++i) {
        float tail = 0;
        for (int64_t t = b; t < blocks; ++t)
            tail += _cvtsh_ss(dw[i][t]) * xd[t] *
                    horizontalSum(q4NibbleDot(rows[i], xq, t));
        out[i] = horizontalSum(acc[i]) + tail;
    }
}

void q4Rows(const uint8_t *qs, const uint16_t *scales, const int8_t *xq, const float *xd,
            const float *xo, int64_t batch, float *y, int64_t ldy, int64_t r0, int64_t r1,
            int64_t cols)
{
    const int64_t blocks = cols / kQuantBlock;
    int64_t r = r0;
    for (; r + kRowGroup <= r1; r += kRowGroup) {
        const uint8_t *rows[kRowGroup];
        const uint16_t *dw[kRowGroup];
        for (int i = 0; i < kRowGroup; ++i) {
            rows[i] = qs + (r + i) * cols / 2;
            dw[i] = scales + (r + i) * blocks;
        }
        for (int64_t m = 0; m < batch; ++m) {
            float dots[kRowGroup];
            q4RowGroup(rows, dw, xq + m * cols, xd + m * blocks, blocks, dots);
            for (int i = 0; i < kRowGroup; ++i)
                y[m * ldy + r + i] = dots[i] - q4Correction(dw[i], xo + m * blocks, blocks);
        }
    }
    for (; r < r1; ++r)
        for (int64_t m = 0; m < batch; ++m) {
            const uint16_t *dw = scales + r * blocks;
            y[m * ldy + r] = quantDot<uint8_t, q4NibbleDot>(qs + r * cols / 2, dw, xq + m * cols,
                                                            xd + m * blocks, blocks) -
                             q4Correction(dw, xo + m * blocks, blocks);
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
