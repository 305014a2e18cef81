// Safetensors files: a bounds-checked, memory-mapped reader and a writer that follows the
// reference serializer (sorted tensors, header padded to 8 bytes with spaces).
//
// Layout: [u64 little-endian N][N bytes JSON header][byte buffer]. Every input is treated as
// hostile: sizes are validated before anything is allocated or read.
#pragma once

#include <ATen/core/Tensor.h>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ec::engine::checkpoint {

// Largest header the reader accepts (the reference limit).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct TensorInfo
{
    std::string name;
    std::string dtype; // safetensors spelling: F32, F16, BF16, I64, ...
    std::vector<int64_t> shape;
    uint64_t begin = 0; // byte offsets into the data buffer, end exclusive
    uint64_t end = 0;
};

// Bytes of one element of a safetensors dtype, or 0 when the dtype is unknown.
size_t dtypeSize(std::string_view dtype);
// The ATen scalar type of a dtype this project reads (F32, F16, BF16, I64, I32, U8, BOOL).
at::ScalarType scalarType(std::string_view dtype, const std::string &where);
std::string dtypeName(at::ScalarType type);

struct ParsedHeader
{
    std::vector<TensorInfo> tensors; // in header order
    std::map<std::string, std::string> metadata;
};

// Parses and validates a header against a data buffer of `bufferBytes`: known dtypes,
// dtype x shape = byte length, offsets inside the buffer, no overlap, no gap, no duplicate.
// `file` names the file in error messages.
ParsedHeader parseHeader(std::string_view json, uint64_t bufferBytes, const std::string &file);

class SafetensorsFile
{
public:
    explicit SafetensorsFile(const std::filesystem::path &path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile &) = delete;
    SafetensorsFile &operator=(const SafetensorsFile &) = delete;

    const std::filesystem::path &path() const { return path_; }
    const std::vector<TensorInfo> &tensors() const { return header_.tensors; }
    const std::map<std::string, std::string> &metadata() const { return header_.metadata; }
    const TensorInfo *find(const std::string &name) const;

    // A CPU tensor over the mapped bytes (or an aligned copy when the bytes are misaligned for
    // the dtype). Read-only; valid while this object lives.
    at::Tensor view(const TensorInfo &info) const;
    at::Tensor view(const std::string &name) const;

private:
    std::filesystem::path path_;
    int fd_ = -1;
    void *map_ = nullptr;
    uint64_t mapBytes_ = 0;
    const uint8_t *buffer_ = nullptr;
    ParsedHeader header_;
    std::map<std::string, size_t> byName_;
};

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// The header the reference serializer writes for these tensors (sorted by descending dtype
// alignment, then name; contiguous offsets), padded with spaces to a multiple of 8 bytes.
std::string serializeHeader(const NamedTensors &tensors,
                            const std::map<std::string, std::string> &metadata);

// Writes a safetensors file (atomically: a temporary file renamed into place). The default
// metadata {"format": "pt"} is what transformers requires to load the file.
void writeSafetensors(const std::filesystem::path &path, const NamedTensors &tensors,
                      const std::map<std::string, std::string> &metadata = {{"format", "pt"}});

} // namespace ec::engine::checkpoint
