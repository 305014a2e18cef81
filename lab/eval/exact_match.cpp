#include "lab/eval/exact_match.h"

#include <cctype>
#include <sstream>

namespace ec::eval {

std::string normalizeAnswer(std::string_view text)
{
    std::string lowered;
    lowered.reserve(text.size());
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && std::ispunct(u))
            lowered += ' ';
        else if (u < 0x80)
            lowered += static_cast<char>(std::tolower(u));
        else
            lowered += c;
    }
    std::istringstream words(lowered);
    std::string word, out;
    while (words >> word) {
        if (word == "a" || word == "an" || word == "the")
            continue;
        if (!out.empty())
            out += ' ';
        out += word;
    }
    return out;
}

bool exactMatch(std::string_view prediction, std::string_view answer)
{
    return normalizeAnswer(prediction) == normalizeAnswer(answer);
}

} // namespace ec::eval
