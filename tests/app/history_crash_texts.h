// What the crash-test writer writes, computable by the test from (conversation, turn) alone, so
// that every row found after a SIGKILL can be checked byte for byte.
#pragma once

#include "history_test_support.h"

#include <cstdint>
#include <string>

namespace ec::test {

inline constexpr int kCrashTurnsPerConversation = 4;

inline std::string crashUserText(std::int64_t conversation, int turn)
{
    std::string text = "question " + std::to_string(conversation) + "/" + std::to_string(turn);
    // Some turns are long enough to span several pages (and overflow pages).
    std::size_t filler = std::size_t((conversation * 7919 + turn * 104729) % 12000);
    text.append(filler, char('a' + (conversation + turn) % 26));
    return text + " 🐈 ?";
}

inline std::string crashAnswerToken(std::int64_t conversation, int turn, int k)
{
    std::string token = "w";
    token.append(std::to_string(conversation)).append("_").append(std::to_string(turn));
    return token.append("_").append(std::to_string(k)).append(" ");
}

inline int crashAnswerTokens(std::int64_t conversation, int turn)
{
    return 200 + int((conversation * 31 + turn * 17) % 600);
}

inline std::string crashAnswerText(std::int64_t conversation, int turn)
{
    std::string text;
    for (int k = 0; k < crashAnswerTokens(conversation, turn); ++k)
        text += crashAnswerToken(conversation, turn, k);
    return text;
}

inline bool crashTurnHasImage(std::int64_t conversation, int turn)
{
    return (conversation + turn) % 2 == 0;
}

inline history::ImageInput crashImage(std::int64_t conversation, int turn)
{
    return makeImage(unsigned(conversation * 100 + turn),
                     2048 + std::size_t((conversation * 13 + turn) % 16) * 4096);
}

} // namespace ec::test
