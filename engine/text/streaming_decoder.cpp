#include "engine/text/streaming_decoder.h"

#include "engine/text/tokenizer_data.h"
#include "engine/text/utf8.h"

namespace ec::text {

StreamingDecoder::StreamingDecoder(Tokenizer tokenizer, bool skipSpecial)
    : m_tokenizer(std::move(tokenizer))
    , m_skipSpecial(skipSpecial)
{
}

bool StreamingDecoder::tailIsIncompleteCharacter() const
{
    const Vocab &vocab = m_tokenizer.m_data->vocab;
    size_t i = m_pending.size();
    while (i > 0 && vocab.types[m_pending[i - 1]] == PieceType::Byte)
        --i;
    std::string bytes;
    for (; i < m_pending.size(); ++i)
        bytes.push_back(static_cast<char>(bytePieceValue(vocab.pieces[m_pending[i]])));
    return endsWithIncompleteUtf8(bytes);
}

std::string StreamingDecoder::flush()
{
    std::string text = m_tokenizer.decodeAfter(m_pending, m_skipSpecial, m_atStart);
    m_pending.clear();
    return text;
}

std::string StreamingDecoder::push(int id)
{
    if (id < 0 || id >= m_tokenizer.vocabSize())
        throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary");
    m_pending.push_back(id);
    // Bytes of one character arrive as separate byte pieces: hold them until it is complete.
    if (tailIsIncompleteCharacter())
        return {};
    return flush();
}

std::string StreamingDecoder::finish()
{
    std::string rest = flush();
    m_atStart = true;
    return rest;
}

} // namespace ec::text
