// Minimal PNG encoder: 8-bit RGB, no interlace, zlib-compressed image data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ec::eval {

// `rgb` holds width*height*3 bytes, rows top to bottom. Throws std::invalid_argument on a size
// mismatch.
std::vector<uint8_t> encodePng(int width, int height, const std::vector<uint8_t> &rgb);

// Throws std::runtime_error when the file cannot be written.
void writeBinaryFile(const std::string &path, const std::vector<uint8_t> &bytes);

} // namespace ec::eval
