#include "engine/checkpoint/safetensors.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ec::engine::checkpoint {

namespace {

using json = nlohmann::json;

std::runtime_error headerError(const std::string &file, const std::string &what)
{
    return std::runtime_error(file + ": invalid safetensors header: " + what +
                              " (re-export the checkpoint with safetensors save_file)");
}

// Overflow-checked product of a shape and an element size.
bool byteLength(const std::vector<int64_t> &shape, size_t elem, uint64_t &out)
{
    uint64_t total = elem;
    for (int64_t d : shape) {
        if (d < 0 || __builtin_mul_overflow(total, static_cast<uint64_t>(d), &total))
            return false;
    }
    out = total;
    return true;
}

std::string jsonString(const std::string &s)
{
    return json(s).dump();
}

} // namespace

size_t dtypeSize(std::string_view dtype)
{
    static const std::map<std::string_view, size_t> sizes{
        {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
        {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
        {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};
    auto it = sizes.find(dtype);
    return it == sizes.end() ? 0 : it->second;
}

at::ScalarType scalarType(std::string_view dtype, const std::string &where)
{
    static const std::map<std::string_view, at::ScalarType> types{
        {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"I64", at::kLong},
        {"I32", at::kInt},   {"U8", at::kByte},  {"BOOL", at::kBool},     {"F64", at::kDouble}};
    auto it = types.find(dtype);
    if (it == types.end())
        throw std::runtime_error(where + ": dtype " + std::string(dtype) +
                                 " is not supported (use F32, F16 or BF16)");
    return it->second;
}

std::string dtypeName(at::ScalarType type)
{
    switch (type) {
    case at::kFloat:
        return "F32";
    case at::kHalf:
        return "F16";
    case at::kBFloat16:
        return "BF16";
    case at::kLong:
        return "I64";
    case at::kInt:
        return "I32";
    case at::kByte:
        return "U8";
    case at::kBool:
        return "BOOL";
    case at::kDouble:
        return "F64";
    default:
        throw std::invalid_argument(std::string("safetensors: cannot write dtype ") +
                                    c10::toString(type));
    }
}

ParsedHeader parseHeader(std::string_view text, uint64_t bufferBytes, const std::string &file)
{
    std::set<std::string> seen;
    std::string duplicate;
    auto noteKeys = [&](int depth, json::parse_event_t event, json &parsed) {
        if (event == json::parse_event_t::key && depth == 1) {
            auto key = parsed.get<std::string>();
            if (!seen.insert(key).second && duplicate.empty())
                duplicate = key;
        }
        return true;
    };
    json header;
    try {
        header = json::parse(text.begin(), text.end(), noteKeys);
    } catch (const json::parse_error &e) {
        throw headerError(file, std::string("not valid JSON (") + e.what() + ")");
    }
    if (!header.is_object())
        throw headerError(file, "the header is not a JSON object");
    if (!duplicate.empty())
        throw headerError(file, "tensor '" + duplicate + "' appears twice");

    ParsedHeader out;
    for (auto &[name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object())
                throw headerError(file, "__metadata__ must be an object of strings");
            for (auto &[k, v] : entry.items()) {
                if (!v.is_string())
                    throw headerError(file, "__metadata__." + k + " must be a string");
                out.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor '" + name + "'";
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
            !entry.contains("data_offsets"))
            throw headerError(file, where + " needs dtype, shape and data_offsets");
        TensorInfo info;
        info.name = name;
        const auto &dt = entry["dtype"];
        if (!dt.is_string() || dtypeSize(dt.get<std::string>()) == 0)
            throw headerError(file, where + " has unknown dtype " + dt.dump());
        info.dtype = dt.get<std::string>();
        const auto &shape = entry["shape"];
        if (!shape.is_array())
            throw headerError(file, where + " shape must be an array");
        for (const auto &d : shape) {
            if (!d.is_number_unsigned())
                throw headerError(file, where + " shape has a non-integer or negative entry");
            if (d.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
                throw headerError(file, where + " shape entry too large");
            info.shape.push_back(d.get<int64_t>());
        }
        const auto &off = entry["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
            !off[1].is_number_unsigned())
            throw headerError(file, where + " data_offsets must be two non-negative integers");
        info.begin = off[0].get<uint64_t>();
        info.end = off[1].get<uint64_t>();
        if (info.end < info.begin)
            throw headerError(file, where + " data_offsets end before they begin");
        if (info.end > bufferBytes)
            throw headerError(file, where + " data_offsets [" + std::to_string(info.begin) + ", " +
                                        std::to_string(info.end) +
                                        "] lie outside the data buffer of " +
                                        std::to_string(bufferBytes) +
                                        " bytes (the file is truncated or the offsets are wrong)");
        uint64_t expected = 0;
        if (!byteLength(info.shape, dtypeSize(info.dtype), expected))
            throw headerError(file, where + " shape overflows");
        if (expected != info.end - info.begin)
            throw headerError(file, where + " is " + info.dtype + " with " +
                                        std::to_string(expected) + " bytes by its shape but " +
                                        std::to_string(info.end - info.begin) +
                                        " bytes by its data_offsets");
        out.tensors.push_back(std::move(info));
    }

    // The offsets must tile the buffer exactly: sorted by start, each starts where the last ended.
    std::vector<const TensorInfo *> order;
    for (const auto &t : out.tensors)
        order.push_back(&t);
    std::sort(order.begin(), order.end(), [](const TensorInfo *a, const TensorInfo *b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    uint64_t cursor = 0;
    const TensorInfo *previous = nullptr;
    for (const TensorInfo *t : order) {
        if (t->begin < cursor)
            throw headerError(file, "tensors '" + previous->name + "' and '" + t->name +
                                        "' overlap in the data buffer");
        if (t->begin > cursor)
            throw headerError(file, "gap of " + std::to_string(t->begin - cursor) +
                                        " bytes before tensor '" + t->name + "'");
        cursor = t->end;
        previous = t;
    }
    if (cursor != bufferBytes)
        throw headerError(file, "the tensors cover " + std::to_string(cursor) + " of the " +
                                    std::to_string(bufferBytes) +
                                    " data bytes (trailing bytes after the last tensor)");
    return out;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path &path)
    : path_(path)
{
    const std::string file = path.string();
    fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
        throw std::runtime_error(file + ": cannot open (" + std::strerror(errno) + ")");
    struct stat st
    {
    };
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        throw std::runtime_error(file + ": not a regular file");
    }
    mapBytes_ = static_cast<uint64_t>(st.st_size);
    auto fail = [&](const std::string &what) {
        if (map_)
            ::munmap(map_, mapBytes_);
        ::close(fd_);
        return headerError(file, what);
    };
    if (mapBytes_ < 8)
        throw fail("the file has " + std::to_string(mapBytes_) +
                   " bytes, fewer than the 8-byte header length");
    map_ = ::mmap(nullptr, mapBytes_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (map_ == MAP_FAILED) {
        map_ = nullptr;
        throw fail(std::string("cannot map the file (") + std::strerror(errno) + ")");
    }
    const auto *bytes = static_cast<const uint8_t *>(map_);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | bytes[i];
    if (n > kMaxHeaderBytes)
        throw fail("header length " + std::to_string(n) + " exceeds the 100 MB limit");
    if (n > mapBytes_ - 8)
        throw fail("header length " + std::to_string(n) + " runs past the end of the " +
                   std::to_string(mapBytes_) + "-byte file (truncated file?)");
    try {
        header_ = parseHeader(std::string_view(reinterpret_cast<const char *>(bytes + 8), n),
                              mapBytes_ - 8 - n, file);
    } catch (...) {
        ::munmap(map_, mapBytes_);
        ::close(fd_);
        throw;
    }
    buffer_ = bytes + 8 + n;
    for (size_t i = 0; i < header_.tensors.size(); ++i)
        byName_[header_.tensors[i].name] = i;
}

SafetensorsFile::~SafetensorsFile()
{
    if (map_)
        ::munmap(map_, mapBytes_);
    if (fd_ >= 0)
        ::close(fd_);
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const
{
    auto it = byName_.find(name);
    return it == byName_.end() ? nullptr : &header_.tensors[it->second];
}

at::Tensor SafetensorsFile::view(const std::string &name) const
{
    const TensorInfo *info = find(name);
    if (!info)
        throw std::runtime_error(path_.string() + ": no tensor '" + name + "'");
    return view(*info);
}

at::Tensor SafetensorsFile::view(const TensorInfo &info) const
{
    const auto type = scalarType(info.dtype, path_.string() + ": tensor '" + info.name + "'");
    auto options = at::TensorOptions().dtype(type);
    const uint8_t *data = buffer_ + info.begin;
    const uint64_t bytes = info.end - info.begin;
    if (reinterpret_cast<uintptr_t>(data) % dtypeSize(info.dtype) != 0 || bytes == 0) {
        // Misaligned for its dtype (a writer that did not sort by alignment): copy.
        at::Tensor copy = at::empty(info.shape, options);
        if (bytes)
            std::memcpy(copy.data_ptr(), data, bytes);
        return copy;
    }
    // The mapping is read-only; callers copy into their own storage and never write here.
    return at::from_blob(const_cast<uint8_t *>(data), info.shape, options);
}

std::string serializeHeader(const NamedTensors &tensors,
                            const std::map<std::string, std::string> &metadata)
{
    std::vector<const std::pair<std::string, at::Tensor> *> order;
    for (const auto &t : tensors)
        order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [](auto *a, auto *b) {
        const auto ea = a->second.element_size(), eb = b->second.element_size();
        return ea != eb ? ea > eb : a->first < b->first;
    });
    std::string h = "{";
    bool first = true;
    if (!metadata.empty()) {
        h += "\"__metadata__\":{";
        bool firstMeta = true;
        for (const auto &[k, v] : metadata) {
            h += (firstMeta ? "" : ",") + jsonString(k) + ":" + jsonString(v);
            firstMeta = false;
        }
        h += "}";
        first = false;
    }
    uint64_t offset = 0;
    for (const auto *t : order) {
        const auto &tensor = t->second;
        const uint64_t bytes = static_cast<uint64_t>(tensor.numel()) * tensor.element_size();
        h += (first ? "" : ",") + jsonString(t->first) + ":{\"dtype\":\"" +
             dtypeName(tensor.scalar_type()) + "\",\"shape\":[";
        for (int64_t d = 0; d < tensor.dim(); ++d)
            h += (d ? "," : "") + std::to_string(tensor.size(d));
        h += "],\"data_offsets\":[" + std::to_string(offset) + "," +
             std::to_string(offset + bytes) + "]}";
        offset += bytes;
        first = false;
    }
    h += "}";
    h.append((8 - h.size() % 8) % 8, ' ');
    return h;
}

void writeSafetensors(const std::filesystem::path &path, const NamedTensors &tensors,
                      const std::map<std::string, std::string> &metadata)
{
    std::set<std::string> names;
    for (const auto &t : tensors) {
        if (!names.insert(t.first).second)
            throw std::invalid_argument(path.string() + ": tensor '" + t.first + "' given twice");
        if (t.first == "__metadata__")
            throw std::invalid_argument(path.string() + ": '__metadata__' is reserved");
    }
    const std::string header = serializeHeader(tensors, metadata);
    std::vector<const std::pair<std::string, at::Tensor> *> order;
    for (const auto &t : tensors)
        order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [](auto *a, auto *b) {
        const auto ea = a->second.element_size(), eb = b->second.element_size();
        return ea != eb ? ea > eb : a->first < b->first;
    });

    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw std::runtime_error(tmp + ": cannot create (check the folder is writable)");
        uint8_t len[8];
        uint64_t n = header.size();
        for (int i = 0; i < 8; ++i)
            len[i] = static_cast<uint8_t>(n >> (8 * i));
        out.write(reinterpret_cast<const char *>(len), 8);
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        for (const auto *t : order) {
            at::Tensor c = t->second.detach().to(at::kCPU).contiguous();
            out.write(static_cast<const char *>(c.data_ptr()),
                      static_cast<std::streamsize>(c.numel() * c.element_size()));
        }
        out.flush();
        if (!out)
            throw std::runtime_error(tmp + ": write failed (disk full?)");
    }
    std::filesystem::rename(tmp, path);
}

} // namespace ec::engine::checkpoint
