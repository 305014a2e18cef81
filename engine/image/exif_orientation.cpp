#include "engine/image/exif_orientation.h"

#include <cstdint>

namespace ec::image {

namespace {

uint32_t get(std::string_view b, size_t at, int bytes, bool little)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) {
        uint32_t byte = static_cast<unsigned char>(b[at + i]);
        v |= little ? byte << (8 * i) : byte << (8 * (bytes - 1 - i));
    }
    return v;
}

int jpegOrientation(std::string_view b)
{
    size_t pos = 2;
    while (pos + 4 <= b.size() && static_cast<unsigned char>(b[pos]) == 0xFF) {
        unsigned marker = static_cast<unsigned char>(b[pos + 1]);
        if (marker == 0xDA || marker == 0xD9)
            break; // EXIF lives before the scan
        uint32_t length = get(b, pos + 2, 2, false);
        if (length < 2 || pos + 2 + length > b.size())
            break;
        std::string_view body = b.substr(pos + 4, length - 2);
        if (marker == 0xE1 && body.size() > 6 &&
            body.substr(0, 6) == std::string_view("Exif\0\0", 6))
            return orientationFromTiff(body.substr(6));
        pos += 2 + length;
    }
    return 1;
}

int pngOrientation(std::string_view b)
{
    size_t pos = 8;
    while (pos + 12 <= b.size()) {
        uint32_t length = get(b, pos, 4, false);
        std::string_view type = b.substr(pos + 4, 4);
        if (length > b.size() - pos - 12)
            break;
        if (type == "eXIf")
            return orientationFromTiff(b.substr(pos + 8, length));
        if (type == "IDAT" || type == "IEND")
            break; // eXIf must precede the image data
        pos += 12 + length;
    }
    return 1;
}

int webpOrientation(std::string_view b)
{
    size_t pos = 12;
    while (pos + 8 <= b.size()) {
        uint32_t length = get(b, pos + 4, 4, true);
        if (length > b.size() - pos - 8)
            break;
        if (b.substr(pos, 4) == "EXIF") {
            std::string_view body = b.substr(pos + 8, length);
            if (body.substr(0, 6) == std::string_view("Exif\0\0", 6))
                body.remove_prefix(6);
            return orientationFromTiff(body);
        }
        pos += 8 + length + (length & 1);
    }
    return 1;
}

} // namespace

int orientationFromTiff(std::string_view t)
{
    if (t.size() < 8)
        return 1;
    bool little;
    if (t.substr(0, 4) == std::string_view("II*\0", 4))
        little = true;
    else if (t.substr(0, 4) == std::string_view("MM\0*", 4))
        little = false;
    else
        return 1;
    size_t ifd = get(t, 4, 4, little);
    if (ifd > t.size() - 2)
        return 1;
    uint32_t count = get(t, ifd, 2, little);
    for (uint32_t i = 0; i < count; ++i) {
        size_t e = ifd + 2 + 12 * static_cast<size_t>(i);
        if (e + 12 > t.size())
            return 1;
        if (get(t, e, 2, little) == 0x0112 && get(t, e + 2, 2, little) == 3) {
            uint32_t v = get(t, e + 8, 2, little);
            return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
        }
    }
    return 1;
}

int exifOrientation(std::string_view b)
{
    if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF")
        return jpegOrientation(b);
    if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8))
        return pngOrientation(b);
    if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP")
        return webpOrientation(b);
    return orientationFromTiff(b); // a TIFF file's first IFD holds the tag itself (1 otherwise)
}

} // namespace ec::image
