// Image decoding: formats, grayscale/alpha/16-bit conversion, EXIF orientation, and one clear
// error for each kind of bad file.
#include "engine/image/exif_orientation.h"
#include "engine/image/image_decode.h"
#include "text_test_support.h"

#include <gtest/gtest.h>

#ifdef EC_HAVE_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

#include <fstream>
#include <iterator>

using namespace ec::image;

namespace {

std::string readAll(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string samplePath(const char *name)
{
    return ec::test::sourcePath(std::string("resources/samples/") + name).string();
}

// The message of the ImageError that loading `bytes` (written to a file) raises.
std::string loadError(const std::string &name, const std::string &bytes)
{
    std::string path = ec::test::tempPath(name);
    ec::test::writeFile(path, bytes);
    try {
        loadImage(path);
    } catch (const ImageError &e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find(path), std::string::npos) << "message should name the file: " << msg;
        return msg;
    }
    ADD_FAILURE() << name << " was accepted";
    return {};
}

// A PNG header (signature + IHDR) claiming the given size, with no image data.
std::string pngHeader(uint32_t w, uint32_t h)
{
    std::string s("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
    for (uint32_t v : {w, h}) {
        for (int shift = 24; shift >= 0; shift -= 8)
            s.push_back(static_cast<char>((v >> shift) & 0xFF));
    }
    s += std::string("\x08\x02\0\0\0\0\0\0\0", 9);
    return s;
}

} // namespace

TEST(ImageHeader, ReadsTheSizeOfEachFormatFromItsHeader)
{
    EXPECT_EQ(probeImageHeader(pngHeader(640, 480)).width, 640);
    EXPECT_EQ(probeImageHeader(pngHeader(640, 480)).height, 480);
    auto coffee = probeImageHeader(readAll(samplePath("coffee.png")));
    EXPECT_EQ(coffee.format, ImageFormat::Png);
    EXPECT_EQ(coffee.width, 600);
    EXPECT_EQ(coffee.height, 400);
}

TEST(ImageErrors, EachBadFileGivesOneClearMessage)
{
    EXPECT_NE(loadError("empty.png", "").find("empty file"), std::string::npos);
    EXPECT_NE(loadError("notes.jpg", "Just some text, not an image.\n").find("not an image"),
              std::string::npos);
    std::string coffee = readAll(samplePath("coffee.png"));
    EXPECT_NE(loadError("cut.png", coffee.substr(0, coffee.size() / 2)).find("truncated PNG"),
              std::string::npos);
    std::string huge = loadError("huge.png", pngHeader(100000, 100000));
    EXPECT_NE(huge.find("too large"), std::string::npos) << huge;
    EXPECT_NE(huge.find("100000x100000"), std::string::npos) << huge;
    // Within the side limit but over the pixel budget: still refused before decoding.
    EXPECT_NE(loadError("big.png", pngHeader(20000, 20000)).find("too large"), std::string::npos);
    EXPECT_NE(loadError("zero.png", pngHeader(0, 10)).find("zero image size"), std::string::npos);
    EXPECT_NE(loadError("bad.jpg", std::string("\xFF\xD8\xFF\x00garbage", 11)).find("JPEG"),
              std::string::npos);
    EXPECT_THROW(loadImage(ec::test::tempPath("does_not_exist.png")), ImageError);
}

#ifdef EC_HAVE_OPENCV

namespace {

std::string encode(const cv::Mat &m, const char *ext, std::vector<int> params = {})
{
    std::vector<uint8_t> buf;
    EXPECT_TRUE(cv::imencode(ext, m, buf, params));
    return {buf.begin(), buf.end()};
}

cv::Mat gradient(int w, int h)
{
    cv::Mat m(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            m.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 7 % 256, y * 13 % 256, (x + y) * 3 % 256);
    return m;
}

// A JPEG with an APP1 Exif block holding only the orientation tag, inserted after SOI.
std::string withExifOrientation(const std::string &jpeg, int orientation)
{
    std::string tiff("MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\0\0\0\0\0\0\0", 26);
    tiff[19] = static_cast<char>(orientation); // the SHORT value, big-endian
    std::string body = std::string("Exif\0\0", 6) + tiff;
    std::string app1 = "\xFF\xE1";
    app1.push_back(static_cast<char>((body.size() + 2) >> 8));
    app1.push_back(static_cast<char>((body.size() + 2) & 0xFF));
    return jpeg.substr(0, 2) + app1 + body + jpeg.substr(2);
}

void expectSameRgb(const RgbImage &img, const cv::Mat &bgr)
{
    ASSERT_EQ(img.width, bgr.cols);
    ASSERT_EQ(img.height, bgr.rows);
    for (int y = 0; y < bgr.rows; ++y)
        for (int x = 0; x < bgr.cols; ++x)
            for (int c = 0; c < 3; ++c)
                ASSERT_EQ(img.row(y)[x * 3 + c], bgr.at<cv::Vec3b>(y, x)[2 - c])
                    << x << "," << y << " channel " << c;
}

} // namespace

TEST(ImageErrors, TruncatedAndCorruptFilesAreRejected)
{
    std::string jpeg = encode(gradient(64, 48), ".jpg");
    EXPECT_NE(loadError("cut.jpg", jpeg.substr(0, jpeg.size() * 2 / 3)).find("truncated JPEG"),
              std::string::npos);
    std::string png = encode(gradient(64, 48), ".png");
    for (size_t i = png.size() / 3; i < png.size() / 3 + 40; ++i)
        png[i] = static_cast<char>(png[i] ^ 0x5A); // damage the compressed data (CRC fails)
    EXPECT_NE(loadError("damaged.png", png).find("corrupt PNG"), std::string::npos);
}

TEST(ImageDecode, LosslessFormatsDecodeToTheSamePixels)
{
    cv::Mat src = gradient(37, 23);
    for (const char *ext : {".png", ".bmp", ".tiff", ".webp"}) {
        SCOPED_TRACE(ext);
        std::vector<int> params;
        if (std::string(ext) == ".webp")
            params = {cv::IMWRITE_WEBP_QUALITY, 101}; // lossless
        expectSameRgb(decodeImage(encode(src, ext, params)), src);
    }
}

TEST(ImageDecode, GrayscaleIsReplicatedAndAlphaFlattenedOnWhite)
{
    RgbImage camera = loadImage(samplePath("camera.png"));
    cv::Mat gray = cv::imread(samplePath("camera.png"), cv::IMREAD_GRAYSCALE);
    ASSERT_EQ(camera.width, 512);
    for (int i = 0; i < 512 * 512; i += 997) {
        uint8_t g = gray.data[i];
        EXPECT_EQ(camera.data[i * 3], g);
        EXPECT_EQ(camera.data[i * 3 + 1], g);
        EXPECT_EQ(camera.data[i * 3 + 2], g);
    }
    cv::Mat bgra(1, 3, CV_8UC4);
    bgra.at<cv::Vec4b>(0, 0) = {0, 0, 200, 255}; // opaque red-ish
    bgra.at<cv::Vec4b>(0, 1) = {0, 0, 0, 0};     // fully transparent black -> white
    bgra.at<cv::Vec4b>(0, 2) = {0, 100, 0, 128}; // half green
    RgbImage img = decodeImage(encode(bgra, ".png"));
    EXPECT_EQ((std::vector<int>(img.data.begin(), img.data.end())),
              (std::vector<int>{200, 0, 0, 255, 255, 255, 127, 177, 127}));
}

TEST(ImageDecode, SixteenBitIsScaledToEightBit)
{
    cv::Mat m(2, 2, CV_16UC3, cv::Scalar(0, 32896, 65535));
    m.at<cv::Vec3w>(1, 1) = {257 * 10, 257 * 10 + 128, 1000};
    RgbImage img = decodeImage(encode(m, ".png"));
    EXPECT_EQ(img.data[0], 255); // R = 65535
    EXPECT_EQ(img.data[1], 128); // G = 32896 = 128 * 257
    EXPECT_EQ(img.data[2], 0);
    const uint8_t *p = img.row(1) + 3;
    EXPECT_EQ(p[0], 4);  // 1000 / 257 = 3.89
    EXPECT_EQ(p[1], 10); // 2698 / 257 = 10.498
    EXPECT_EQ(p[2], 10);
}

TEST(ImageDecode, ExifOrientationIsApplied)
{
    std::string jpeg = encode(gradient(40, 24), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
    for (int orientation = 1; orientation <= 8; ++orientation) {
        SCOPED_TRACE(orientation);
        std::string rotated = withExifOrientation(jpeg, orientation);
        EXPECT_EQ(exifOrientation(rotated), orientation);
        RgbImage img = decodeImage(rotated);
        bool swapped = orientation >= 5;
        EXPECT_EQ(img.width, swapped ? 24 : 40);
        // OpenCV's own EXIF handling (8-bit BGR path) is the reference for the pixels.
        std::vector<uint8_t> buf(rotated.begin(), rotated.end());
        expectSameRgb(img, cv::imdecode(buf, cv::IMREAD_COLOR));
    }
}

TEST(ImageDecode, PngExifChunkOrientationIsApplied)
{
    cv::Mat src = gradient(20, 12);
    std::string png = encode(src, ".png");
    std::string tiff("MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0", 26);
    std::string chunk = "eXIf" + tiff;
    uint32_t crc = 0xFFFFFFFFu; // CRC-32 of type + data, as PNG requires
    for (unsigned char c : chunk) {
        crc ^= c;
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    crc ^= 0xFFFFFFFFu;
    auto be32 = [](uint32_t v) {
        std::string b(4, '\0');
        for (int i = 0; i < 4; ++i)
            b[i] = static_cast<char>(v >> (24 - 8 * i));
        return b;
    };
    std::string withExif = png.substr(0, 33) + be32(static_cast<uint32_t>(tiff.size())) + chunk +
                           be32(crc) + png.substr(33); // after the 8-byte signature + IHDR
    EXPECT_EQ(exifOrientation(withExif), 6);
    RgbImage img = decodeImage(withExif);
    ASSERT_EQ(img.width, 12);
    ASSERT_EQ(img.height, 20);
    cv::Mat rotated;
    cv::rotate(src, rotated, cv::ROTATE_90_CLOCKWISE); // orientation 6
    expectSameRgb(img, rotated);
}

#endif
