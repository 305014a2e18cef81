// The EXIF orientation tag (1..8) of a JPEG, PNG (eXIf chunk), WebP or TIFF file. OpenCV applies it
// only when it may convert the pixels to 8-bit BGR, so we read it ourselves and keep alpha and
// 16-bit data intact while decoding.
#pragma once

#include <string_view>

namespace ec::image {

// 1 (upright) when the file has no or a malformed orientation tag.
int exifOrientation(std::string_view fileBytes);

// Orientation from a bare TIFF-structured EXIF block ("II*\0..." or "MM\0*...").
int orientationFromTiff(std::string_view tiff);

} // namespace ec::image
