// SHA-256 (FIPS 180-4), the content address of stored images.
#pragma once

#include <cstddef>
#include <string>

namespace ec::history {

// Lower-case hex digest of the bytes.
std::string sha256Hex(const void *data, std::size_t size);

} // namespace ec::history
