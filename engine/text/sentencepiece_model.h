// SentencePiece `.model` files (a serialized ModelProto), read without libsentencepiece.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ec::text {

enum class PieceType : unsigned char {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

struct SpPiece
{
    std::string piece;
    float score = 0.0f;
    PieceType type = PieceType::Normal;
};

// The fields of ModelProto that encoding and decoding depend on, with the proto defaults.
struct SpModelProto
{
    enum class ModelType { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };

    std::vector<SpPiece> pieces;
    ModelType modelType = ModelType::Unigram;
    bool byteFallback = false;
    bool treatWhitespaceAsSuffix = false;
    int unkId = 0, bosId = 1, eosId = 2, padId = -1;
    std::string unkPiece = "<unk>", bosPiece = "<s>", eosPiece = "</s>", padPiece = "<pad>";
    std::string unkSurface = " \xE2\x81\x87 ";

    // NormalizerSpec
    std::string normalizerName;
    std::string precompiledCharsmap;
    bool addDummyPrefix = true;
    bool removeExtraWhitespaces = true;
    bool escapeWhitespaces = true;
};

// Parses the wire format; throws std::runtime_error with a clear message on bad input.
SpModelProto parseSentencePieceModel(std::string_view bytes);
SpModelProto loadSentencePieceModel(const std::filesystem::path &path);

} // namespace ec::text
