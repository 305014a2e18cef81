#include "engine/text/protobuf_wire.h"

#include <cstring>
#include <stdexcept>

namespace ec::text {

namespace {

[[noreturn]] void fail(const char *what)
{
    throw std::runtime_error(std::string("malformed protobuf: ") + what);
}

} // namespace

void ProtobufReader::next(uint32_t &field, WireType &type)
{
    uint64_t key = varint();
    field = static_cast<uint32_t>(key >> 3);
    uint32_t wire = static_cast<uint32_t>(key & 7);
    if (field == 0 ||
        (wire != Varint && wire != Fixed64 && wire != LengthDelimited && wire != Fixed32))
        fail("bad field key");
    type = static_cast<WireType>(wire);
}

uint64_t ProtobufReader::varint()
{
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (m_pos >= m_data.size())
            fail("truncated varint");
        auto byte = static_cast<unsigned char>(m_data[m_pos++]);
        value |= static_cast<uint64_t>(byte & 0x7F) << shift;
        if (!(byte & 0x80))
            return value;
    }
    fail("varint too long");
}

uint32_t ProtobufReader::fixed32()
{
    if (m_data.size() - m_pos < 4)
        fail("truncated fixed32");
    uint32_t v;
    std::memcpy(&v, m_data.data() + m_pos, 4); // the format is little-endian, as is x86/ARM
    m_pos += 4;
    return v;
}

uint64_t ProtobufReader::fixed64()
{
    if (m_data.size() - m_pos < 8)
        fail("truncated fixed64");
    uint64_t v;
    std::memcpy(&v, m_data.data() + m_pos, 8);
    m_pos += 8;
    return v;
}

std::string_view ProtobufReader::bytes()
{
    uint64_t n = varint();
    if (n > m_data.size() - m_pos)
        fail("length runs past the end");
    auto out = m_data.substr(m_pos, static_cast<size_t>(n));
    m_pos += static_cast<size_t>(n);
    return out;
}

float ProtobufReader::floatValue()
{
    uint32_t bits = fixed32();
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

void ProtobufReader::skip(WireType type)
{
    switch (type) {
    case Varint:
        varint();
        break;
    case Fixed64:
        fixed64();
        break;
    case LengthDelimited:
        bytes();
        break;
    case Fixed32:
        fixed32();
        break;
    }
}

} // namespace ec::text
