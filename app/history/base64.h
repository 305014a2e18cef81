// Base64 (RFC 4648, with padding) for images embedded in exported JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ec::history {

std::string base64Encode(const std::vector<unsigned char> &bytes);
// Throws std::invalid_argument on characters outside the alphabet or a bad length.
std::vector<unsigned char> base64Decode(std::string_view text);

} // namespace ec::history
