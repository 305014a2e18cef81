#include "engine/text/sentencepiece_model.h"

#include "engine/text/file_util.h"
#include "engine/text/protobuf_wire.h"

#include <stdexcept>

namespace ec::text {

namespace {

using Wire = ProtobufReader::WireType;

void expect(Wire got, Wire want)
{
    if (got != want)
        throw std::runtime_error("malformed SentencePiece model: unexpected wire type");
}

SpPiece parsePiece(std::string_view data)
{
    SpPiece p;
    ProtobufReader r(data);
    while (!r.atEnd()) {
        uint32_t field;
        Wire type;
        r.next(field, type);
        if (field == 1) {
            expect(type, ProtobufReader::LengthDelimited);
            p.piece = std::string(r.bytes());
        } else if (field == 2) {
            expect(type, ProtobufReader::Fixed32);
            p.score = r.floatValue();
        } else if (field == 3) {
            expect(type, ProtobufReader::Varint);
            uint64_t t = r.varint();
            if (t < 1 || t > 6)
                throw std::runtime_error("malformed SentencePiece model: bad piece type");
            p.type = static_cast<PieceType>(t);
        } else {
            r.skip(type);
        }
    }
    return p;
}

int asInt32(uint64_t v)
{
    return static_cast<int>(static_cast<int64_t>(v)); // negative int32 are sign-extended
}

void parseTrainerSpec(std::string_view data, SpModelProto &m)
{
    ProtobufReader r(data);
    while (!r.atEnd()) {
        uint32_t field;
        Wire type;
        r.next(field, type);
        switch (field) {
        case 3:
            expect(type, ProtobufReader::Varint);
            m.modelType = static_cast<SpModelProto::ModelType>(r.varint());
            break;
        case 24:
            expect(type, ProtobufReader::Varint);
            m.treatWhitespaceAsSuffix = r.varint() != 0;
            break;
        case 35:
            expect(type, ProtobufReader::Varint);
            m.byteFallback = r.varint() != 0;
            break;
        case 40:
        case 41:
        case 42:
        case 43: {
            expect(type, ProtobufReader::Varint);
            int v = asInt32(r.varint());
            (field == 40 ? m.unkId : field == 41 ? m.bosId : field == 42 ? m.eosId : m.padId) = v;
            break;
        }
        case 44:
        case 45:
        case 46:
        case 47:
        case 48: {
            expect(type, ProtobufReader::LengthDelimited);
            std::string v(r.bytes());
            (field == 44   ? m.unkSurface
             : field == 45 ? m.unkPiece
             : field == 46 ? m.bosPiece
             : field == 47 ? m.eosPiece
                           : m.padPiece) = std::move(v);
            break;
        }
        default:
            r.skip(type);
        }
    }
}

void parseNormalizerSpec(std::string_view data, SpModelProto &m)
{
    ProtobufReader r(data);
    while (!r.atEnd()) {
        uint32_t field;
        Wire type;
        r.next(field, type);
        if (field == 1 || field == 2) {
            expect(type, ProtobufReader::LengthDelimited);
            (field == 1 ? m.normalizerName : m.precompiledCharsmap) = std::string(r.bytes());
        } else if (field >= 3 && field <= 5) {
            expect(type, ProtobufReader::Varint);
            bool v = r.varint() != 0;
            (field == 3   ? m.addDummyPrefix
             : field == 4 ? m.removeExtraWhitespaces
                          : m.escapeWhitespaces) = v;
        } else {
            r.skip(type);
        }
    }
}

} // namespace

SpModelProto parseSentencePieceModel(std::string_view bytes)
{
    SpModelProto m;
    ProtobufReader r(bytes);
    // Sub-messages may repeat; protobuf merges them, so parse each into the same struct.
    while (!r.atEnd()) {
        uint32_t field;
        Wire type;
        r.next(field, type);
        if (field == 1) {
            expect(type, ProtobufReader::LengthDelimited);
            m.pieces.push_back(parsePiece(r.bytes()));
        } else if (field == 2) {
            expect(type, ProtobufReader::LengthDelimited);
            parseTrainerSpec(r.bytes(), m);
        } else if (field == 3) {
            expect(type, ProtobufReader::LengthDelimited);
            parseNormalizerSpec(r.bytes(), m);
        } else {
            r.skip(type);
        }
    }
    if (m.pieces.empty())
        throw std::runtime_error("malformed SentencePiece model: no pieces");
    return m;
}

SpModelProto loadSentencePieceModel(const std::filesystem::path &path)
{
    std::string bytes = readFileLimited(path, 512ull << 20, "SentencePiece model");
    try {
        return parseSentencePieceModel(bytes);
    } catch (const std::runtime_error &e) {
        throw std::runtime_error(path.string() + ": " + e.what());
    }
}

} // namespace ec::text
