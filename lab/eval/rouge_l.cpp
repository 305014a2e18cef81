#include "lab/eval/rouge_l.h"

#include <cstdint>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace ec::eval {

namespace {

// Length in bytes of the Python whitespace character starting at text[i], or 0. The set is what
// str.split() with no argument splits on: ASCII \t\n\v\f\r, \x1c-\x1f, space, and the Unicode
// separators U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
size_t whitespaceAt(std::string_view text, size_t i)
{
    auto byte = [&](size_t k) { return k < text.size() ? static_cast<uint8_t>(text[k]) : 0; };
    uint8_t b0 = byte(i);
    if ((b0 >= 0x09 && b0 <= 0x0d) || (b0 >= 0x1c && b0 <= 0x20))
        return 1;
    if (b0 == 0xc2 && (byte(i + 1) == 0x85 || byte(i + 1) == 0xa0))
        return 2;
    if (b0 == 0xe1 && byte(i + 1) == 0x9a && byte(i + 2) == 0x80)
        return 3; // U+1680
    if (b0 == 0xe2 && byte(i + 1) == 0x80) {
        uint8_t b2 = byte(i + 2);
        if ((b2 >= 0x80 && b2 <= 0x8a) || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf)
            return 3; // U+2000-200A, U+2028, U+2029, U+202F
    }
    if (b0 == 0xe2 && byte(i + 1) == 0x81 && byte(i + 2) == 0x9f)
        return 3; // U+205F
    if (b0 == 0xe3 && byte(i + 1) == 0x80 && byte(i + 2) == 0x80)
        return 3; // U+3000
    return 0;
}

std::vector<std::string> splitPythonWhitespace(std::string_view text)
{
    std::vector<std::string> tokens;
    std::string current;
    for (size_t i = 0; i < text.size();) {
        if (size_t w = whitespaceAt(text, i)) {
            if (!current.empty())
                tokens.push_back(std::move(current));
            current.clear();
            i += w;
        } else {
            current += text[i++];
        }
    }
    if (!current.empty())
        tokens.push_back(std::move(current));
    return tokens;
}

using WordIds = std::vector<int32_t>;

// Words of the reconstructed LCS of x (reference) and y (hypothesis), added to `out`.
void addLcsWords(const WordIds &x, const WordIds &y, std::unordered_set<int32_t> &out)
{
    const size_t rows = x.size() + 1, cols = y.size() + 1;
    std::vector<int32_t> table(rows * cols, 0);
    for (size_t i = 1; i < rows; ++i)
        for (size_t j = 1; j < cols; ++j)
            table[i * cols + j] =
                x[i - 1] == y[j - 1] ? table[(i - 1) * cols + j - 1] + 1
                                     : std::max(table[(i - 1) * cols + j], table[i * cols + j - 1]);
    size_t i = x.size(), j = y.size();
    while (i > 0 && j > 0) {
        if (x[i - 1] == y[j - 1]) {
            out.insert(x[i - 1]);
            --i;
            --j;
        } else if (table[(i - 1) * cols + j] > table[i * cols + j - 1]) {
            --i;
        } else {
            --j;
        }
    }
}

} // namespace

std::vector<std::string> rougeSentences(std::string_view text)
{
    std::vector<std::string> sentences;
    size_t start = 0;
    while (start <= text.size()) {
        size_t dot = text.find('.', start);
        size_t end = dot == std::string_view::npos ? text.size() : dot;
        std::string_view piece = text.substr(start, end - start);
        if (!piece.empty()) {
            std::string collapsed;
            for (const auto &token : splitPythonWhitespace(piece)) {
                if (!collapsed.empty())
                    collapsed += ' ';
                collapsed += token;
            }
            sentences.push_back(std::move(collapsed));
        }
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    return sentences;
}

std::vector<std::string> rougeWords(const std::string &sentence)
{
    std::vector<std::string> words;
    size_t start = 0;
    while (true) {
        size_t space = sentence.find(' ', start);
        words.push_back(
            sentence.substr(start, space == std::string::npos ? std::string::npos : space - start));
        if (space == std::string::npos)
            break;
        start = space + 1;
    }
    return words;
}

RougeScore rougeL(std::string_view hypothesis, std::string_view reference)
{
    const auto hypSentences = rougeSentences(hypothesis);
    const auto refSentences = rougeSentences(reference);
    if (hypSentences.empty())
        throw std::invalid_argument("ROUGE-L: the hypothesis is empty (no text besides '.')");
    if (refSentences.empty())
        throw std::invalid_argument("ROUGE-L: the reference is empty (no text besides '.')");

    std::unordered_map<std::string, int32_t> vocabulary;
    auto toIds = [&](const std::vector<std::string> &sentences, std::unordered_set<int32_t> &all) {
        std::vector<WordIds> result;
        for (const auto &sentence : sentences) {
            WordIds ids;
            for (auto &word : rougeWords(sentence)) {
                auto [it, inserted] =
                    vocabulary.emplace(std::move(word), static_cast<int32_t>(vocabulary.size()));
                ids.push_back(it->second);
                all.insert(it->second);
            }
            result.push_back(std::move(ids));
        }
        return result;
    };
    std::unordered_set<int32_t> refWords, hypWords;
    const auto refIds = toIds(refSentences, refWords);
    const auto hypIds = toIds(hypSentences, hypWords);

    std::unordered_set<int32_t> lcsUnion;
    for (const auto &ref : refIds)
        for (const auto &hyp : hypIds)
            addLcsWords(ref, hyp, lcsUnion);

    const double llcs = static_cast<double>(lcsUnion.size());
    RougeScore score;
    score.recall = llcs / static_cast<double>(refWords.size());
    score.precision = llcs / static_cast<double>(hypWords.size());
    // Same operation order as the package: 2 * ((p * r) / (p + r + 1e-8)).
    score.f = 2.0 * ((score.precision * score.recall) / (score.precision + score.recall + 1e-8));
    return score;
}

} // namespace ec::eval
