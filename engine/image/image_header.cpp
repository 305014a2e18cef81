#include "engine/image/image_header.h"

#include <cstring>

namespace ec::image {

namespace {

uint32_t be16(std::string_view b, size_t at)
{
    return (static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]);
}
uint32_t be32(std::string_view b, size_t at)
{
    return (be16(b, at) << 16) | be16(b, at + 2);
}
uint32_t le16(std::string_view b, size_t at)
{
    return static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8);
}
uint32_t le32(std::string_view b, size_t at)
{
    return le16(b, at) | (le16(b, at + 2) << 16);
}
uint32_t le24(std::string_view b, size_t at)
{
    return le16(b, at) | (static_cast<unsigned char>(b[at + 2]) << 16);
}

[[noreturn]] void truncated(const char *format)
{
    throw ImageError(std::string("truncated ") + format + " header");
}

ImageHeader probePng(std::string_view b)
{
    if (b.size() < 24 || b.substr(12, 4) != "IHDR")
        truncated("PNG");
    return {ImageFormat::Png, be32(b, 16), be32(b, 20)};
}

ImageHeader probeJpeg(std::string_view b)
{
    size_t pos = 2;
    while (pos + 4 <= b.size()) {
        if (static_cast<unsigned char>(b[pos]) != 0xFF)
            throw ImageError("corrupt JPEG: bad marker");
        unsigned marker = static_cast<unsigned char>(b[pos + 1]);
        if (marker == 0xFF) { // fill byte
            ++pos;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // no length
            pos += 2;
            continue;
        }
        uint32_t length = be16(b, pos + 2);
        bool sof =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) {
            if (pos + 9 > b.size())
                truncated("JPEG");
            return {ImageFormat::Jpeg, be16(b, pos + 7), be16(b, pos + 5)};
        }
        if (marker == 0xDA || marker == 0xD9 || length < 2)
            break; // scan data before any frame header
        pos += 2 + length;
    }
    truncated("JPEG");
}

ImageHeader probeWebP(std::string_view b)
{
    if (b.size() < 30)
        truncated("WebP");
    std::string_view chunk = b.substr(12, 4);
    if (chunk == "VP8 ") {
        return {ImageFormat::WebP, le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF};
    }
    if (chunk == "VP8L") {
        uint32_t bits = le32(b, 21);
        return {ImageFormat::WebP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (chunk == "VP8X")
        return {ImageFormat::WebP, le24(b, 24) + 1, le24(b, 27) + 1};
    throw ImageError("corrupt WebP: unknown first chunk");
}

ImageHeader probeBmp(std::string_view b)
{
    if (b.size() < 26)
        truncated("BMP");
    uint32_t headerSize = le32(b, 14);
    if (headerSize == 12)
        return {ImageFormat::Bmp, le16(b, 18), le16(b, 20)};
    auto w = static_cast<int32_t>(le32(b, 18));
    auto h = static_cast<int32_t>(le32(b, 22));
    return {ImageFormat::Bmp, w < 0 ? -static_cast<int64_t>(w) : w,
            h < 0 ? -static_cast<int64_t>(h) : h}; // negative height: top-down rows
}

ImageHeader probeTiff(std::string_view b)
{
    bool little = b[0] == 'I';
    auto u16 = [&](size_t at) { return little ? le16(b, at) : be16(b, at); };
    auto u32 = [&](size_t at) { return little ? le32(b, at) : be32(b, at); };
    if (b.size() < 8)
        truncated("TIFF");
    size_t ifd = u32(4);
    if (ifd + 2 > b.size())
        truncated("TIFF");
    uint32_t count = u16(ifd);
    ImageHeader h{ImageFormat::Tiff, 0, 0};
    for (uint32_t i = 0; i < count; ++i) {
        size_t e = ifd + 2 + 12 * static_cast<size_t>(i);
        if (e + 12 > b.size())
            truncated("TIFF");
        uint32_t tag = u16(e), type = u16(e + 2);
        uint32_t value = type == 3 ? u16(e + 8) : u32(e + 8);
        if (tag == 256)
            h.width = value;
        else if (tag == 257)
            h.height = value;
    }
    if (h.width == 0 || h.height == 0)
        throw ImageError("corrupt TIFF: no image size");
    return h;
}

} // namespace

ImageHeader probeImageHeader(std::string_view b)
{
    if (b.empty())
        throw ImageError("empty file");
    if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8))
        return probePng(b);
    if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF")
        return probeJpeg(b);
    if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP")
        return probeWebP(b);
    if (b.size() >= 2 && b.substr(0, 2) == "BM")
        return probeBmp(b);
    if (b.size() >= 4 && (b.substr(0, 4) == std::string_view("II*\0", 4) ||
                          b.substr(0, 4) == std::string_view("MM\0*", 4)))
        return probeTiff(b);
    throw ImageError("not an image in a supported format (JPEG, PNG, WebP, BMP or TIFF)");
}

const char *formatName(ImageFormat format)
{
    switch (format) {
    case ImageFormat::Png:
        return "PNG";
    case ImageFormat::Jpeg:
        return "JPEG";
    case ImageFormat::WebP:
        return "WebP";
    case ImageFormat::Bmp:
        return "BMP";
    case ImageFormat::Tiff:
        return "TIFF";
    }
    return "?";
}

} // namespace ec::image
