#include "engine/image/pixel_tensor.h"

#include <ATen/ATen.h>
#include <filesystem>
#include <gtest/gtest.h>

using namespace ec::image;

TEST(PixelTensor, CopiesPreprocessedImagesIntoNchwFloat)
{
    RgbImage img(5, 4);
    for (size_t i = 0; i < img.data.size(); ++i)
        img.data[i] = static_cast<uint8_t>(i * 7);
    PreprocessConfig c;
    c.shortestEdge = 3;
    c.cropWidth = c.cropHeight = 3;
    PixelValues pv = preprocessImage(img, c);
    at::Tensor t = pixelValuesTensor({pv, pv});
    EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2, 3, 3, 3}));
    EXPECT_EQ(t.scalar_type(), at::kFloat);
    EXPECT_EQ(t[1][2][0][1].item<float>(), pv.chw[2 * 9 + 1]);
    PixelValues other = pv;
    other.width = 2;
    EXPECT_THROW(pixelValuesTensor({pv, other}), std::invalid_argument);
}

TEST(PixelTensor, LoadsASamplePhoto)
{
#ifdef EC_HAVE_OPENCV
    auto path = std::filesystem::path(EC_TEST_SOURCE_DIR) / "resources/samples/coffee.png";
    at::Tensor t = loadPixelValues(path, PreprocessConfig{});
    EXPECT_EQ(t.sizes(), (std::vector<int64_t>{1, 3, 336, 336}));
    EXPECT_LT(t.min().item<float>(), -1.0f);
    EXPECT_GT(t.max().item<float>(), 1.0f);
#else
    GTEST_SKIP() << "built without OpenCV";
#endif
}
