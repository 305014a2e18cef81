// A bounds-checked reader for the protobuf wire format: enough to walk a SentencePiece
// ModelProto without libprotobuf (which cannot share a process with libtorch, build-notes G1).
#pragma once

#include <cstdint>
#include <string_view>

namespace ec::text {

class ProtobufReader
{
public:
    enum WireType { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

    explicit ProtobufReader(std::string_view data)
        : m_data(data)
    {
    }

    bool atEnd() const { return m_pos >= m_data.size(); }

    // Reads the next field key; throws std::runtime_error on malformed input.
    void next(uint32_t &field, WireType &type);
    uint64_t varint();
    uint32_t fixed32();
    uint64_t fixed64();
    std::string_view bytes();
    float floatValue();
    // Skips the value of a field of this wire type.
    void skip(WireType type);

private:
    std::string_view m_data;
    size_t m_pos = 0;
};

} // namespace ec::text
