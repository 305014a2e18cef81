#include "engine/text/file_util.h"

#include <fstream>
#include <stdexcept>
#include <system_error>

namespace ec::text {

std::string readFileLimited(const std::filesystem::path &path, uint64_t maxBytes, const char *what)
{
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec)
        throw std::runtime_error(std::string("cannot read ") + what + " " + path.string() + ": " +
                                 ec.message());
    if (size > maxBytes)
        throw std::runtime_error(std::string(what) + " " + path.string() + " is too large (" +
                                 std::to_string(size) + " bytes)");
    std::ifstream in(path, std::ios::binary);
    std::string data(static_cast<size_t>(size), '\0');
    if (!in || !in.read(data.data(), static_cast<std::streamsize>(size)))
        throw std::runtime_error(std::string("cannot read ") + what + " " + path.string());
    return data;
}

} // namespace ec::text
