#include "engine/image/pixel_tensor.h"

#include "engine/image/image_decode.h"

#include <ATen/ATen.h>
#include <cstring>
#include <stdexcept>

namespace ec::image {

at::Tensor pixelValuesTensor(const std::vector<PixelValues> &images)
{
    if (images.empty())
        throw std::invalid_argument("pixelValuesTensor: no images");
    const int w = images[0].width, h = images[0].height;
    at::Tensor t = at::empty({static_cast<int64_t>(images.size()), 3, h, w}, at::kFloat);
    float *dst = t.data_ptr<float>();
    const size_t per = static_cast<size_t>(3) * h * w;
    for (size_t i = 0; i < images.size(); ++i) {
        if (images[i].width != w || images[i].height != h || images[i].chw.size() != per)
            throw std::invalid_argument("pixelValuesTensor: images differ in size");
        std::memcpy(dst + i * per, images[i].chw.data(), per * sizeof(float));
    }
    return t;
}

at::Tensor loadPixelValues(const std::filesystem::path &file, const PreprocessConfig &config)
{
    return pixelValuesTensor({preprocessImage(loadImage(file), config)});
}

} // namespace ec::image
