#include "engine/text/tokenizer.h"

#include "engine/text/tokenizer_data.h"
#include "engine/text/utf8.h"

#include <stdexcept>

namespace ec::text {

void TokenizerData::addToken(const AddedToken &token)
{
    if (token.id < 0)
        throw std::runtime_error("added token '" + token.content + "' has a negative id");
    if (token.id >= (1 << 24))
        throw std::runtime_error("added token '" + token.content + "' has an absurd id");
    PieceType type = token.special ? PieceType::Control : PieceType::UserDefined;
    if (token.id < vocab.size()) {
        if (vocab.types[token.id] == PieceType::Normal && token.special)
            vocab.types[token.id] = PieceType::Control;
    } else {
        while (vocab.size() < token.id)
            vocab.add("", 0.0f, PieceType::Unused); // a gap in the ids: decodes to nothing
        vocab.add(token.content, 0.0f, type);
    }
    added.add(token);
}

Tokenizer::Tokenizer(std::shared_ptr<const TokenizerData> data)
    : m_data(std::move(data))
{
}

namespace {

std::string replaceAll(std::string_view s, std::string_view from, std::string_view to)
{
    std::string out;
    out.reserve(s.size() + s.size() / 4);
    size_t pos = 0;
    while (true) {
        size_t hit = from.empty() ? std::string_view::npos : s.find(from, pos);
        if (hit == std::string_view::npos) {
            out.append(s.substr(pos));
            return out;
        }
        out.append(s.substr(pos, hit - pos));
        out.append(to);
        pos = hit + from.size();
    }
}

// Turns segments into ids: pieces outside the vocabulary become byte pieces (byte fallback) or
// <unk>, consecutive <unk>s merged as SentencePiece does.
void appendSegments(const TokenizerData &d, const std::vector<Segment> &segments,
                    std::vector<int> &out)
{
    bool prevUnk = false;
    const bool fallback = d.byteFallback && d.vocab.hasAllBytes();
    for (const auto &s : segments) {
        bool unk = s.id < 0 || s.id == d.unk;
        if (unk && fallback) {
            for (char c : s.piece)
                out.push_back(d.vocab.byteIds[static_cast<unsigned char>(c)]);
        } else if (unk) {
            if (!prevUnk)
                out.push_back(d.unk);
        } else {
            out.push_back(s.id);
        }
        prevUnk = unk && !fallback;
    }
}

void encodeWord(const TokenizerData &d, std::string_view word, std::vector<int> &out)
{
    switch (d.algorithm) {
    case Algorithm::SpmBpe:
        appendSegments(d, bpeByScore(word, d.vocab, d.userDefined), out);
        break;
    case Algorithm::Unigram:
        appendSegments(d, d.unigram.segment(word, d.vocab), out);
        break;
    case Algorithm::HfBpe:
        bpeByRank(word, d.vocab, d.merges, d.byteFallback, d.unk, d.fuseUnk, out);
        break;
    }
}

// One run of plain text; `atStart` when it begins the input (Metaspace "first").
void encodeRun(const TokenizerData &d, std::string_view run, bool atStart, std::vector<int> &out)
{
    if (d.flavour == TextFlavour::SentencePiece) {
        encodeWord(d, d.spNormalizer.normalize(run), out);
        return;
    }
    std::string text(run);
    for (const auto &step : d.hfSteps) {
        if (step.kind == HfStep::Prepend) {
            if (!text.empty())
                text.insert(0, step.a);
        } else {
            text = replaceAll(text, step.a, step.b);
        }
    }
    if (d.metaspace) {
        const Metaspace &m = *d.metaspace;
        text = replaceAll(text, " ", m.replacement);
        bool prepend = m.scheme == Metaspace::Always || (m.scheme == Metaspace::First && atStart);
        if (prepend && text.compare(0, m.replacement.size(), m.replacement) != 0)
            text.insert(0, m.replacement);
        if (m.split) { // words start at each replacement character
            std::string_view all(text);
            size_t begin = 0;
            for (size_t pos = 1; pos <= all.size(); ++pos) {
                if (pos == all.size() ||
                    all.compare(pos, m.replacement.size(), m.replacement) == 0) {
                    encodeWord(d, all.substr(begin, pos - begin), out);
                    begin = pos;
                }
            }
            return;
        }
    }
    if (!text.empty())
        encodeWord(d, text, out);
}

} // namespace

std::vector<int> Tokenizer::encode(std::string_view text, bool addBos) const
{
    const TokenizerData &d = *m_data;
    std::vector<int> out;
    out.reserve(text.size() / 3 + 2);
    if (addBos && d.addBos && d.bos >= 0)
        out.push_back(d.bos);
    for (const auto &piece : d.added.split(text)) {
        if (piece.tokenId >= 0)
            out.push_back(piece.tokenId);
        else
            encodeRun(d, piece.text, piece.offset == 0, out);
    }
    return out;
}

std::vector<std::string> Tokenizer::pieces(std::span<const int> ids) const
{
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (int id : ids)
        out.push_back(idToPiece(id));
    return out;
}

std::string Tokenizer::decode(std::span<const int> ids, bool skipSpecial) const
{
    bool atStart = true;
    return decodeAfter(ids, skipSpecial, atStart);
}

std::string Tokenizer::decodeAfter(std::span<const int> ids, bool skipSpecial, bool &atStart) const
{
    const TokenizerData &d = *m_data;
    std::string text;
    std::string bytes;
    // Byte pieces: every complete UTF-8 character as is, every malformed byte as U+FFFD.
    auto flushBytes = [&] {
        std::string_view rest(bytes);
        while (!rest.empty()) {
            size_t n = utf8CharLength(rest);
            if (n == 0) {
                text.append(kReplacementCharacter);
                n = 1;
            } else {
                text.append(rest.substr(0, n));
            }
            rest.remove_prefix(n);
        }
        bytes.clear();
    };
    for (int id : ids) {
        if (id < 0 || id >= d.vocab.size())
            throw std::out_of_range("token id " + std::to_string(id) +
                                    " is outside the vocabulary");
        const PieceType type = d.vocab.types[id];
        if (type == PieceType::Byte) {
            bytes.push_back(static_cast<char>(bytePieceValue(d.vocab.pieces[id])));
            continue;
        }
        flushBytes();
        // SentencePiece drops the "▁" of the first piece that has one, as long as no text came
        // before it.
        if (!text.empty())
            atStart = false;
        std::string_view piece = d.vocab.pieces[id];
        if (type == PieceType::Control) {
            if (!skipSpecial)
                text.append(piece);
        } else if (type == PieceType::Unknown) {
            text.append(d.unkSurface);
        } else if (type == PieceType::Unused && piece.empty()) {
            // a gap in the ids
        } else {
            if (atStart && d.stripLeadingSpaceOnDecode && piece.starts_with(kSpaceSymbol)) {
                piece.remove_prefix(kSpaceSymbol.size());
                atStart = false;
            }
            text.append(replaceAll(piece, kSpaceSymbol, " "));
        }
    }
    flushBytes();
    if (!text.empty())
        atStart = false;
    return text;
}

Tokenizer Tokenizer::withSpecialToken(const std::string &content, int id) const
{
    auto copy = std::make_shared<TokenizerData>(*m_data);
    copy->vocab.finish(); // the copied map still points into the old strings
    AddedToken token{content, id, true, false, false};
    copy->addToken(token);
    copy->vocab.finish();
    return Tokenizer(copy);
}

int Tokenizer::vocabSize() const
{
    return m_data->vocab.size();
}
int Tokenizer::bosId() const
{
    return m_data->bos;
}
int Tokenizer::eosId() const
{
    return m_data->eos;
}
int Tokenizer::padId() const
{
    return m_data->pad;
}
int Tokenizer::unkId() const
{
    return m_data->unk;
}

int Tokenizer::tokenId(std::string_view piece) const
{
    for (const auto &t : m_data->added.tokens()) {
        if (t.content == piece)
            return t.id;
    }
    return m_data->vocab.find(piece);
}

std::string Tokenizer::idToPiece(int id) const
{
    if (id < 0 || id >= m_data->vocab.size())
        throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary");
    return m_data->vocab.pieces[id];
}

bool Tokenizer::isSpecial(int id) const
{
    return id >= 0 && id < m_data->vocab.size() && m_data->vocab.types[id] == PieceType::Control;
}

std::string Tokenizer::description() const
{
    return m_data->kind + ", " + std::to_string(m_data->vocab.size()) + " pieces" +
           (m_data->byteFallback ? ", byte fallback" : "");
}

} // namespace ec::text
