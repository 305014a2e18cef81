#include "engine/image/clip_preprocess.h"

#include <cstring>
#include <stdexcept>

namespace ec::image {

RgbImage padToSquare(const RgbImage &image, std::array<uint8_t, 3> background)
{
    if (image.width == image.height)
        return image;
    int side = std::max(image.width, image.height);
    RgbImage out(side, side);
    for (size_t i = 0; i < out.data.size(); i += 3)
        std::memcpy(&out.data[i], background.data(), 3);
    int left = image.width < side ? (side - image.width) / 2 : 0;
    int top = image.height < side ? (side - image.height) / 2 : 0;
    for (int y = 0; y < image.height; ++y)
        std::memcpy(out.row(top + y) + static_cast<size_t>(left) * 3, image.row(y),
                    static_cast<size_t>(image.width) * 3);
    return out;
}

std::array<int, 2> shortestEdgeSize(int width, int height, int shortest)
{
    int shortSide = std::min(width, height), longSide = std::max(width, height);
    // Python: int(size * long / short), a true division rounded once, then truncated.
    int newLong = static_cast<int>(static_cast<double>(shortest) * longSide / shortSide);
    return width <= height ? std::array<int, 2>{shortest, newLong}
                           : std::array<int, 2>{newLong, shortest};
}

RgbImage centerCrop(const RgbImage &image, int width, int height)
{
    if (image.width >= width && image.height >= height)
        return cropImage(image, (image.width - width) / 2, (image.height - height) / 2, width,
                         height);
    // Smaller than the crop: transformers pads with zeros around the centred image.
    RgbImage out(width, height);
    int top = (image.height - height) / 2, left = (image.width - width) / 2;
    for (int y = 0; y < height; ++y) {
        int sy = y + top;
        if (sy < 0 || sy >= image.height)
            continue;
        for (int x = 0; x < width; ++x) {
            int sx = x + left;
            if (sx >= 0 && sx < image.width)
                std::memcpy(out.row(y) + x * 3, image.row(sy) + sx * 3, 3);
        }
    }
    return out;
}

RgbImage prepareImage(const RgbImage &image, const PreprocessConfig &c)
{
    if (image.width <= 0 || image.height <= 0)
        throw std::invalid_argument("preprocess: empty image");
    RgbImage img = c.padToSquare ? padToSquare(image, c.padColor()) : image;
    if (c.doResize) {
        std::array<int, 2> size = c.resizeWidth > 0
                                      ? std::array<int, 2>{c.resizeWidth, c.resizeHeight}
                                      : shortestEdgeSize(img.width, img.height, c.shortestEdge);
        img = resizePillow(img, size[0], size[1], c.resample);
    }
    if (c.doCenterCrop)
        img = centerCrop(img, c.cropWidth, c.cropHeight);
    return img;
}

PixelValues normalizeImage(const RgbImage &img, const PreprocessConfig &c)
{
    PixelValues out;
    out.width = img.width;
    out.height = img.height;
    const size_t plane = static_cast<size_t>(img.width) * img.height;
    out.chw.resize(plane * 3);
    for (int ch = 0; ch < 3; ++ch) {
        float *dst = out.chw.data() + plane * ch;
        for (size_t i = 0; i < plane; ++i) {
            float v = img.data[i * 3 + ch];
            if (c.doRescale)
                v = static_cast<float>(static_cast<double>(img.data[i * 3 + ch]) * c.rescaleFactor);
            if (c.doNormalize)
                v = (v - c.mean[ch]) / c.std[ch];
            dst[i] = v;
        }
    }
    return out;
}

PixelValues preprocessImage(const RgbImage &image, const PreprocessConfig &config)
{
    return normalizeImage(prepareImage(image, config), config);
}

} // namespace ec::image
