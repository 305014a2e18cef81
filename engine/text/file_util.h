// Reading whole files with a size limit, for parsers that treat their input as hostile.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace ec::text {

// Throws std::runtime_error("<what> <path>: ...") when the file is missing, unreadable or larger
// than maxBytes.
std::string readFileLimited(const std::filesystem::path &path, uint64_t maxBytes, const char *what);

} // namespace ec::text
