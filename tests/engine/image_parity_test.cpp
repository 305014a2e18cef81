// Preprocessing parity with Pillow 9.4 (Debian's python3-pil) on real photos: identical uint8
// pixels after resize (+ crop, + pad), float pixel_values within 1e-6 after normalize.
#include "engine/image/clip_preprocess.h"
#include "engine/image/image_decode.h"
#include "engine/image/pillow_resize.h"
#include "text_test_support.h"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>

using namespace ec::image;
using nlohmann::json;

namespace {

std::string readAll(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

json clipConfig(int shortest, int crop, bool pad = false)
{
    return {{"size", {{"shortest_edge", shortest}}},
            {"crop_size", {{"height", crop}, {"width", crop}}},
            {"do_center_crop", true},
            {"do_normalize", true},
            {"do_rescale", true},
            {"rescale_factor", 0.00392156862745098},
            {"resample", 3},
            {"image_mean", {0.48145466, 0.4578275, 0.40821073}},
            {"image_std", {0.26862954, 0.26130258, 0.27577711}},
            {"do_pad", pad}};
}

std::string sample(const char *name)
{
    return ec::test::sourcePath(std::string("resources/samples/") + name).string();
}

json imageCases()
{
    json cases = json::array();
    auto add = [&](const char *name, const char *image, json crop, json config) {
        cases.push_back(
            {{"name", name}, {"image", sample(image)}, {"crop", crop}, {"config", config}});
    };
    add("coffee_600x400", "coffee.png", nullptr, clipConfig(336, 336));
    add("chelsea_451x300_up", "chelsea.png", nullptr, clipConfig(336, 336));
    add("camera_gray_512", "camera.png", nullptr, clipConfig(336, 336));
    add("coffee_tall_123x391", "coffee.png", json{17, 9, 123, 391}, clipConfig(336, 336));
    add("chelsea_wide_337x77", "chelsea.png", json{31, 200, 337, 77}, clipConfig(336, 336));
    add("coffee_noop_336x397", "coffee.png", json{100, 0, 336, 397}, clipConfig(336, 336));
    add("chelsea_tiny_21x13", "chelsea.png", json{200, 100, 21, 13}, clipConfig(336, 336));
    add("coffee_small_224", "coffee.png", json{3, 5, 597, 395}, clipConfig(224, 224));
    add("coffee_down_30", "coffee.png", nullptr, clipConfig(30, 30));
    add("chelsea_pad_square", "chelsea.png", nullptr, clipConfig(336, 336, true));
    add("coffee_tall_pad", "coffee.png", json{40, 0, 211, 400}, clipConfig(336, 336, true));
    for (auto [w, h] : {std::pair{336, 336}, {1001, 13}, {7, 555}, {599, 401}, {600, 1}}) {
        std::string name = "resize_" + std::to_string(w) + "x" + std::to_string(h);
        cases.push_back({{"name", name},
                         {"image", sample("coffee.png")},
                         {"crop", nullptr},
                         {"resize_to", {w, h}}});
    }
    return cases;
}

class ImageParity : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        if (!ec::test::debianPythonHas("PIL, numpy") || !imageDecodingAvailable())
            return;
        s_dir = ec::test::tempPath("pil_oracle");
        std::filesystem::create_directories(s_dir);
        std::string spec = s_dir + "/cases.json";
        ec::test::writeFile(spec, imageCases().dump());
        std::string error;
        s_result = ec::test::runJson(
            "/usr/bin/python3 " +
                ec::test::shellQuote(
                    ec::test::sourcePath("tests/engine/oracles/pil_oracle.py").string()) +
                " " + ec::test::shellQuote(spec) + " " + ec::test::shellQuote(s_dir) + " 2>&1",
            error);
        s_error = error;
    }

    static void TearDownTestSuite()
    {
        if (!s_dir.empty())
            std::filesystem::remove_all(s_dir); // ~20 MB of oracle output
    }

    void SetUp() override
    {
        if (!imageDecodingAvailable())
            GTEST_SKIP() << "built without OpenCV";
        if (!ec::test::debianPythonHas("PIL, numpy"))
            GTEST_SKIP() << "oracle unavailable: /usr/bin/python3 lacks python3-pil/numpy";
        ASSERT_FALSE(s_result.is_null()) << s_error;
        EXPECT_EQ(s_result["pillow"], "9.4.0") << "the oracle is pinned to Debian's Pillow 9.4";
    }

    static inline std::string s_dir;
    static inline std::string s_error;
    static inline json s_result;
};

RgbImage inputFor(const json &c)
{
    RgbImage img = loadImage(c["image"].get<std::string>());
    if (!c["crop"].is_null())
        img = cropImage(img, c["crop"][0], c["crop"][1], c["crop"][2], c["crop"][3]);
    return img;
}

} // namespace

TEST_F(ImageParity, ResizeCropAndNormalizeMatchPillow)
{
    int checked = 0;
    for (const auto &c : imageCases()) {
        if (!c.contains("config"))
            continue;
        SCOPED_TRACE(c["name"].get<std::string>());
        auto config = PreprocessConfig::fromJson(c["config"].dump());
        RgbImage prepared = prepareImage(inputFor(c), config);
        std::string want = readAll(s_dir + "/" + c["name"].get<std::string>() + ".u8");
        ASSERT_EQ(prepared.data.size(), want.size());
        EXPECT_EQ(prepared.width, config.cropWidth);
        EXPECT_EQ(prepared.height, config.cropHeight);
        size_t differing = 0;
        for (size_t i = 0; i < want.size(); ++i)
            differing += prepared.data[i] != static_cast<uint8_t>(want[i]);
        EXPECT_EQ(differing, 0u) << "uint8 pixels differ from Pillow";

        PixelValues pv = normalizeImage(prepared, config);
        std::string f32 = readAll(s_dir + "/" + c["name"].get<std::string>() + ".f32");
        ASSERT_EQ(f32.size(), pv.chw.size() * sizeof(float));
        const auto *ref = reinterpret_cast<const float *>(f32.data());
        double maxDiff = 0;
        for (size_t i = 0; i < pv.chw.size(); ++i)
            maxDiff = std::max(maxDiff, std::fabs(double(pv.chw[i]) - ref[i]));
        EXPECT_LE(maxDiff, 1e-6);
        ++checked;
    }
    EXPECT_EQ(checked, 11);
}

TEST_F(ImageParity, PlainBicubicResizeMatchesPillow)
{
    int checked = 0;
    for (const auto &c : imageCases()) {
        if (!c.contains("resize_to"))
            continue;
        SCOPED_TRACE(c["name"].get<std::string>());
        RgbImage out = resizePillow(inputFor(c), c["resize_to"][0], c["resize_to"][1]);
        std::string want = readAll(s_dir + "/" + c["name"].get<std::string>() + ".u8");
        ASSERT_EQ(out.data.size(), want.size());
        EXPECT_EQ(0, std::memcmp(out.data.data(), want.data(), want.size()));
        ++checked;
    }
    EXPECT_EQ(checked, 5);
}

#ifdef EC_HAVE_OPENCV
#include <opencv2/imgproc.hpp>

// The parity checks can fail: OpenCV's bicubic (a = -0.75, no antialiasing) is not Pillow's.
TEST(ImageResize, OpenCvBicubicDiffersFromPillow)
{
    RgbImage img = loadImage(sample("coffee.png"));
    RgbImage ours = resizePillow(img, 336, 224);
    cv::Mat src(img.height, img.width, CV_8UC3, img.data.data());
    cv::Mat dst;
    cv::resize(src, dst, cv::Size(336, 224), 0, 0, cv::INTER_CUBIC);
    size_t differing = 0;
    for (size_t i = 0; i < ours.data.size(); ++i)
        differing += ours.data[i] != dst.data[i];
    EXPECT_GT(differing, ours.data.size() / 10);
}
#endif

TEST(PreprocessConfig, ReadsTheCheckpointAndLlavaPadMode)
{
    namespace fs = std::filesystem;
    fs::path dir = ec::test::tempPath("preproc_dir");
    fs::remove_all(dir);
    fs::create_directories(dir);
    ec::test::writeFile((dir / "preprocessor_config.json").string(),
                        R"({"size": 224, "crop_size": 224, "resample": 2,
                            "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]})");
    auto c = PreprocessConfig::fromModelDirectory(dir);
    EXPECT_EQ(c.shortestEdge, 224);
    EXPECT_EQ(c.cropWidth, 224);
    EXPECT_EQ(c.resample, ResampleFilter::Bilinear);
    EXPECT_FALSE(c.padToSquare);
    ec::test::writeFile((dir / "config.json").string(), R"({"image_aspect_ratio": "pad"})");
    EXPECT_TRUE(PreprocessConfig::fromModelDirectory(dir).padToSquare);
    EXPECT_EQ(PreprocessConfig{}.padColor(), (std::array<uint8_t, 3>{122, 116, 104}));
    EXPECT_THROW(PreprocessConfig::fromJson(R"({"resample": 1})"), std::runtime_error);
    EXPECT_THROW(PreprocessConfig::fromJson(R"({"image_std": [0, 1, 1]})"), std::runtime_error);
    EXPECT_THROW(PreprocessConfig::fromJson("{"), std::runtime_error);

    RgbImage wide(4, 2);
    std::fill(wide.data.begin(), wide.data.end(), 9);
    RgbImage square = padToSquare(wide, {122, 116, 104});
    EXPECT_EQ(square.width, 4);
    EXPECT_EQ(square.height, 4);
    EXPECT_EQ(square.row(0)[0], 122); // band above
    EXPECT_EQ(square.row(1)[0], 9);   // the image, pasted at (W - H) / 2 = 1
    EXPECT_EQ(square.row(3)[2], 104); // band below
    EXPECT_EQ(shortestEdgeSize(451, 300, 336), (std::array<int, 2>{505, 336}));
    EXPECT_EQ(shortestEdgeSize(123, 391, 336), (std::array<int, 2>{336, 1068}));
}
