#include "engine/text/bpe.h"

#include "engine/text/utf8.h"

#include <queue>

namespace ec::text {

namespace {

struct Symbol
{
    uint32_t begin;
    uint32_t len; // 0 once merged into its left neighbour
    int prev;
    int next;
    int id; // used by bpeByRank only
};

struct ScoreCandidate
{
    float score;
    int left;
    int right;
    uint32_t size;
};

struct ScoreOrder
{
    bool operator()(const ScoreCandidate &a, const ScoreCandidate &b) const
    {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

bool mergeable(PieceType t)
{
    return t == PieceType::Normal || t == PieceType::UserDefined || t == PieceType::Unused;
}

} // namespace

std::vector<Segment> bpeByScore(std::string_view text, const Vocab &vocab,
                                const std::vector<std::string> &userDefined)
{
    std::vector<Symbol> symbols;
    symbols.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        size_t len = 0;
        for (const auto &u : userDefined) {
            if (u.size() > len && text.substr(pos, u.size()) == u)
                len = u.size();
        }
        if (len == 0)
            len = utf8StepLength(text.substr(pos));
        int index = static_cast<int>(symbols.size());
        symbols.push_back(
            {static_cast<uint32_t>(pos), static_cast<uint32_t>(len), index - 1, index + 1, -1});
        pos += len;
    }
    if (!symbols.empty())
        symbols.back().next = -1;

    std::priority_queue<ScoreCandidate, std::vector<ScoreCandidate>, ScoreOrder> agenda;
    auto consider = [&](int left, int right) {
        if (left < 0 || right < 0)
            return;
        uint32_t size = symbols[left].len + symbols[right].len;
        int id = vocab.find(text.substr(symbols[left].begin, size));
        if (id < 0 || !mergeable(vocab.types[id]))
            return;
        agenda.push({vocab.scores[id], left, right, size});
    };
    for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i)
        consider(i, i + 1);

    while (!agenda.empty()) {
        ScoreCandidate top = agenda.top();
        agenda.pop();
        Symbol &l = symbols[top.left];
        Symbol &r = symbols[top.right];
        // Skip candidates that an earlier merge made stale.
        if (l.len == 0 || r.len == 0 || l.len + r.len != top.size || l.next != top.right)
            continue;
        l.len += r.len;
        l.next = r.next;
        if (r.next >= 0)
            symbols[r.next].prev = top.left;
        r.len = 0;
        consider(l.prev, top.left);
        consider(top.left, l.next);
    }

    std::vector<Segment> out;
    for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
        auto piece = text.substr(symbols[i].begin, symbols[i].len);
        out.push_back({piece, vocab.find(piece)});
    }
    return out;
}

namespace {

struct RankCandidate
{
    int rank;
    int pos;
    int mergedId;
};

struct RankOrder
{
    bool operator()(const RankCandidate &a, const RankCandidate &b) const
    {
        return a.rank > b.rank || (a.rank == b.rank && a.pos > b.pos);
    }
};

} // namespace

void bpeByRank(std::string_view word, const Vocab &vocab, const MergeTable &merges,
               bool byteFallback, int unkId, bool fuseUnk, std::vector<int> &out)
{
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    auto push = [&](uint32_t begin, uint32_t len, int id) {
        int index = static_cast<int>(symbols.size());
        symbols.push_back({begin, len, index - 1, index + 1, id});
    };
    bool canFallBack = byteFallback && vocab.hasAllBytes();
    for (size_t pos = 0; pos < word.size();) {
        size_t len = utf8StepLength(word.substr(pos));
        int id = vocab.find(word.substr(pos, len));
        if (id >= 0) {
            push(static_cast<uint32_t>(pos), static_cast<uint32_t>(len), id);
        } else if (canFallBack) {
            for (size_t b = 0; b < len; ++b)
                push(static_cast<uint32_t>(pos + b), 1,
                     vocab.byteIds[static_cast<unsigned char>(word[pos + b])]);
        } else if (fuseUnk && !symbols.empty() && symbols.back().id == unkId) {
            symbols.back().len += static_cast<uint32_t>(len);
        } else {
            push(static_cast<uint32_t>(pos), static_cast<uint32_t>(len), unkId);
        }
        pos += len;
    }
    if (symbols.empty())
        return;
    symbols.back().next = -1;

    std::priority_queue<RankCandidate, std::vector<RankCandidate>, RankOrder> queue;
    auto consider = [&](int left) {
        if (left < 0 || symbols[left].next < 0)
            return;
        auto it = merges.find(mergeKey(symbols[left].id, symbols[symbols[left].next].id));
        if (it != merges.end())
            queue.push({it->second.first, left, it->second.second});
    };
    for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i)
        consider(i);
    while (!queue.empty()) {
        RankCandidate top = queue.top();
        queue.pop();
        Symbol &l = symbols[top.pos];
        if (l.len == 0 || l.next < 0)
            continue;
        Symbol &r = symbols[l.next];
        auto it = merges.find(mergeKey(l.id, r.id));
        if (it == merges.end() || it->second.second != top.mergedId)
            continue; // stale entry
        l.len += r.len;
        l.id = top.mergedId;
        r.len = 0;
        l.next = r.next;
        if (r.next >= 0)
            symbols[r.next].prev = top.pos;
        consider(l.prev);
        consider(top.pos);
    }
    for (int i = 0; i >= 0; i = symbols[i].next)
        out.push_back(symbols[i].id);
}

} // namespace ec::text
