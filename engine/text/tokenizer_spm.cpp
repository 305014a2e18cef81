// Tokenizer from a SentencePiece ModelProto: what sentencepiece's own encoder/decoder does.
#include "engine/text/file_util.h"
#include "engine/text/tokenizer.h"
#include "engine/text/tokenizer_data.h"

#include <stdexcept>

namespace ec::text {

namespace {

std::shared_ptr<TokenizerData> buildFromProto(const SpModelProto &m)
{
    auto d = std::make_shared<TokenizerData>();
    if (m.modelType == SpModelProto::ModelType::Bpe) {
        d->algorithm = Algorithm::SpmBpe;
        d->kind = "SentencePiece BPE";
    } else if (m.modelType == SpModelProto::ModelType::Unigram) {
        d->algorithm = Algorithm::Unigram;
        d->kind = "SentencePiece unigram";
    } else {
        throw std::runtime_error("SentencePiece model type " +
                                 std::to_string(static_cast<int>(m.modelType)) +
                                 " (word/char) is not supported");
    }
    for (const auto &p : m.pieces) {
        d->vocab.add(p.piece, p.score, p.type);
        if (p.type == PieceType::UserDefined)
            d->userDefined.push_back(p.piece);
    }
    d->vocab.finish();
    auto idOf = [&](const std::string &piece, PieceType want) {
        int id = d->vocab.find(piece);
        return id >= 0 && d->vocab.types[id] == want ? id : -1;
    };
    d->unk = idOf(m.unkPiece, PieceType::Unknown);
    if (d->unk < 0)
        throw std::runtime_error("SentencePiece model has no unknown piece");
    d->bos = idOf(m.bosPiece, PieceType::Control);
    d->eos = idOf(m.eosPiece, PieceType::Control);
    d->pad = idOf(m.padPiece, PieceType::Control);
    d->byteFallback = m.byteFallback;
    if (d->byteFallback && !d->vocab.hasAllBytes())
        throw std::runtime_error("SentencePiece model has byte_fallback but lacks byte pieces");
    d->unkSurface = m.unkSurface;
    d->flavour = TextFlavour::SentencePiece;
    d->spNormalizer = SpNormalizer(m, d->userDefined);
    d->stripLeadingSpaceOnDecode = m.addDummyPrefix || m.removeExtraWhitespaces;
    if (d->algorithm == Algorithm::Unigram)
        d->unigram = UnigramModel(d->vocab, d->unk);
    return d;
}

} // namespace

std::shared_ptr<TokenizerData> buildFromSentencePiece(std::string_view modelBytes)
{
    return buildFromProto(parseSentencePieceModel(modelBytes));
}

Tokenizer Tokenizer::fromSentencePieceBytes(std::string_view bytes)
{
    return Tokenizer(buildFromSentencePiece(bytes));
}

Tokenizer Tokenizer::fromSentencePieceModel(const std::filesystem::path &file)
{
    std::string bytes = readFileLimited(file, 512ull << 20, "SentencePiece model");
    try {
        return fromSentencePieceBytes(bytes);
    } catch (const std::runtime_error &e) {
        throw std::runtime_error(file.string() + ": " + e.what());
    }
}

} // namespace ec::text
