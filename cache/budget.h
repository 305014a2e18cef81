// How many cache entries a conversation may keep: a kept fraction of the tokens seen (the
// paper's budget) and an absolute cap from the memory slider. The stricter limit wins.
#pragma once

#include <cstdint>

namespace ec::cache {

struct Budget
{
    double keepRatio = 1.0; // kept fraction of tokens seen, in (0, 1]
    int64_t maxTokens = 0;  // absolute cap in entries; 0 = none
    int64_t maxBytes = 0;   // absolute cap in bytes per sequence; 0 = none

    // Entries to hold after a compaction once `tokensSeen` tokens were fed:
    // min(ceil(keepRatio * tokensSeen), caps), never below `floor` (sinks + newest token).
    int64_t targetEntries(int64_t tokensSeen, int64_t bytesPerToken, int64_t floor = 1) const;

    bool operator==(const Budget &) const = default;
};

} // namespace ec::cache
