#include "engine/image/safetensors_minimal_writer.h"

#include <algorithm>
#include <bit>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ec::image {

void writeSafetensorsF32(const std::filesystem::path &file, std::vector<F32Tensor> tensors)
{
    static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");
    std::sort(tensors.begin(), tensors.end(),
              [](const F32Tensor &a, const F32Tensor &b) { return a.name < b.name; });
    nlohmann::json header = nlohmann::json::object();
    header["__metadata__"] = {{"format", "pt"}};
    uint64_t offset = 0;
    for (const auto &t : tensors) {
        int64_t count = 1;
        for (int64_t d : t.shape) {
            if (d < 0)
                throw std::runtime_error("safetensors: negative dimension in " + t.name);
            count *= d;
        }
        if (static_cast<uint64_t>(count) != t.data.size())
            throw std::runtime_error("safetensors: shape and data size differ for " + t.name);
        uint64_t bytes = t.data.size() * sizeof(float);
        header[t.name] = {
            {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    uint64_t length = text.size();
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out)
        throw std::runtime_error("cannot write " + file.string());
    out.write(reinterpret_cast<const char *>(&length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto &t : tensors)
        out.write(reinterpret_cast<const char *>(t.data.data()),
                  static_cast<std::streamsize>(t.data.size() * sizeof(float)));
    if (!out.flush())
        throw std::runtime_error("cannot write " + file.string());
}

} // namespace ec::image
