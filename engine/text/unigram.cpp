#include "engine/text/unigram.h"

#include "engine/text/utf8.h"

#include <algorithm>
#include <cfloat>

namespace ec::text {

UnigramModel::UnigramModel(const Vocab &vocab, int unkId)
    : m_unkId(unkId)
{
    m_minScore = FLT_MAX;
    m_maxScore = FLT_MIN; // sic: SentencePiece starts from FLT_MIN too
    for (int i = 0; i < vocab.size(); ++i) {
        if (vocab.types[i] == PieceType::Normal) {
            m_minScore = std::min(m_minScore, vocab.scores[i]);
            m_maxScore = std::max(m_maxScore, vocab.scores[i]);
        }
        if (vocab.types[i] == PieceType::Normal || vocab.types[i] == PieceType::UserDefined) {
            const std::string &p = vocab.pieces[i];
            m_maxPieceBytes = std::max(m_maxPieceBytes, p.size());
            for (size_t n = 1; n <= p.size(); ++n)
                m_prefixes.insert(p.substr(0, n));
        }
    }
}

std::vector<Segment> UnigramModel::segment(std::string_view text, const Vocab &vocab) const
{
    struct Best
    {
        int id = -1;
        float score = 0.0f;
        int start = -1;
    };
    const int size = static_cast<int>(text.size());
    const float unkScore = m_minScore - 10.0f; // SentencePiece's kUnkPenalty
    std::vector<Best> best(size + 1);
    for (int start = 0; start < size;) {
        const float base = best[start].score;
        const int charLen = static_cast<int>(utf8StepLength(text.substr(start)));
        bool singleChar = false;
        const int limit = std::min<int>(size - start, static_cast<int>(m_maxPieceBytes));
        for (int len = 1; len <= limit; ++len) {
            if (m_prefixes.find(text.substr(start, len)) == m_prefixes.end())
                break;
            int id = vocab.find(text.substr(start, len));
            if (id < 0)
                continue;
            PieceType t = vocab.types[id];
            if (t != PieceType::Normal && t != PieceType::UserDefined)
                continue;
            float score = t == PieceType::UserDefined ? static_cast<float>(len * m_maxScore - 0.1)
                                                      : vocab.scores[id];
            float candidate = score + base;
            Best &target = best[start + len];
            if (target.start == -1 || candidate > target.score)
                target = {id, candidate, start};
            if (len == charLen)
                singleChar = true;
        }
        if (!singleChar) {
            Best &target = best[start + charLen];
            float candidate = unkScore + base;
            if (target.start == -1 || candidate > target.score)
                target = {m_unkId, candidate, start};
        }
        start += charLen;
    }
    std::vector<Segment> out;
    for (int end = size; end > 0; end = best[end].start) {
        const Best &b = best[end];
        auto piece = text.substr(b.start, end - b.start);
        out.push_back({piece, b.id == m_unkId ? -1 : b.id});
    }
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace ec::text
