// Follows the algorithm of Pillow's src/libImaging/Resample.c (precompute_coeffs,
// normalize_coeffs_8bpc, ImagingResampleHorizontal/Vertical_8bpc), as described in
// checkpoint-formats.md §3.1; written from that description, with the same double/int rounding.
#include "engine/image/pillow_resize.h"

#include <cmath>
#include <stdexcept>

namespace ec::image {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubic(double x)
{
    const double a = -0.5;
    if (x < 0.0)
        x = -x;
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0)
        return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

double bilinear(double x)
{
    if (x < 0.0)
        x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

struct Coefficients
{
    int ksize = 0;
    std::vector<int> bounds; // per output index: first input index, number of inputs
    std::vector<int32_t> kk; // ksize fixed-point weights per output index
};

Coefficients precompute(int inSize, int outSize, ResampleFilter filter)
{
    double (*fn)(double) = filter == ResampleFilter::Bicubic ? bicubic : bilinear;
    const double filterSupport = filter == ResampleFilter::Bicubic ? 2.0 : 1.0;
    double scale = static_cast<double>(inSize) / outSize;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = filterSupport * filterscale;
    Coefficients c;
    c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    c.bounds.resize(static_cast<size_t>(outSize) * 2);
    c.kk.assign(static_cast<size_t>(outSize) * c.ksize, 0);
    std::vector<double> k(c.ksize);
    for (int xx = 0; xx < outSize; ++xx) {
        double center = (xx + 0.5) * scale;
        double ww = 0.0;
        double ss = 1.0 / filterscale;
        int xmin = static_cast<int>(center - support + 0.5); // truncation, as C's (int)
        if (xmin < 0)
            xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > inSize)
            xmax = inSize;
        xmax -= xmin;
        for (int x = 0; x < xmax; ++x) {
            double w = fn((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (int x = 0; x < xmax; ++x) {
            if (ww != 0.0)
                k[x] /= ww;
        }
        for (int x = 0; x < xmax; ++x) {
            double v = k[x] * (1 << kPrecisionBits);
            c.kk[static_cast<size_t>(xx) * c.ksize + x] =
                static_cast<int32_t>(k[x] < 0 ? -0.5 + v : 0.5 + v);
        }
        c.bounds[xx * 2] = xmin;
        c.bounds[xx * 2 + 1] = xmax;
    }
    return c;
}

inline uint8_t clip8(int32_t v)
{
    if (v >= (1 << kPrecisionBits) << 8)
        return 255;
    if (v <= 0)
        return 0;
    return static_cast<uint8_t>(v >> kPrecisionBits);
}

// Rows [firstRow, firstRow + out.height) of `in`, resampled horizontally into `out`.
void horizontal(const RgbImage &in, RgbImage &out, int firstRow, const Coefficients &c)
{
    for (int yy = 0; yy < out.height; ++yy) {
        const uint8_t *src = in.row(yy + firstRow);
        uint8_t *dst = out.row(yy);
        for (int xx = 0; xx < out.width; ++xx) {
            int xmin = c.bounds[xx * 2], xmax = c.bounds[xx * 2 + 1];
            const int32_t *k = &c.kk[static_cast<size_t>(xx) * c.ksize];
            int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
            for (int x = 0; x < xmax; ++x) {
                const uint8_t *p = src + (x + xmin) * 3;
                s0 += p[0] * k[x];
                s1 += p[1] * k[x];
                s2 += p[2] * k[x];
            }
            dst[xx * 3] = clip8(s0);
            dst[xx * 3 + 1] = clip8(s1);
            dst[xx * 3 + 2] = clip8(s2);
        }
    }
}

// `rowOffset` is subtracted from the coefficient bounds (rows the horizontal pass skipped).
void vertical(const RgbImage &in, RgbImage &out, int rowOffset, const Coefficients &c)
{
    for (int yy = 0; yy < out.height; ++yy) {
        int ymin = c.bounds[yy * 2] - rowOffset, ymax = c.bounds[yy * 2 + 1];
        const int32_t *k = &c.kk[static_cast<size_t>(yy) * c.ksize];
        uint8_t *dst = out.row(yy);
        for (int xx = 0; xx < out.width; ++xx) {
            int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
            for (int y = 0; y < ymax; ++y) {
                const uint8_t *p = in.row(y + ymin) + xx * 3;
                s0 += p[0] * k[y];
                s1 += p[1] * k[y];
                s2 += p[2] * k[y];
            }
            dst[xx * 3] = clip8(s0);
            dst[xx * 3 + 1] = clip8(s1);
            dst[xx * 3 + 2] = clip8(s2);
        }
    }
}

} // namespace

RgbImage resizePillow(const RgbImage &image, int width, int height, ResampleFilter filter)
{
    if (width <= 0 || height <= 0 || image.width <= 0 || image.height <= 0)
        throw std::invalid_argument("resize: sizes must be positive");
    const bool needH = width != image.width;
    const bool needV = height != image.height;
    if (!needH && !needV)
        return image;
    Coefficients ch = precompute(image.width, width, filter);
    Coefficients cv = precompute(image.height, height, filter);
    // The horizontal pass only produces the source rows the vertical pass reads.
    const int firstRow = cv.bounds[0];
    const int lastRow = cv.bounds[(height - 1) * 2] + cv.bounds[(height - 1) * 2 + 1];
    if (!needV) {
        RgbImage out(width, image.height);
        horizontal(image, out, 0, ch);
        return out;
    }
    if (!needH) {
        RgbImage out(image.width, height);
        vertical(image, out, 0, cv);
        return out;
    }
    RgbImage temp(width, lastRow - firstRow);
    horizontal(image, temp, firstRow, ch);
    RgbImage out(width, height);
    vertical(temp, out, firstRow, cv);
    return out;
}

} // namespace ec::image
