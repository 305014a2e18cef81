#include "app/cli/turn_stats_json.h"

#include <nlohmann/json.hpp>

namespace ec::cli {

namespace {
nlohmann::json compactionJson(const cache::CompactionStats &c)
{
    return {{"entries_before", c.entriesBefore}, {"entries_after", c.entriesAfter},
            {"bytes_before", c.bytesBefore},     {"bytes_after", c.bytesAfter},
            {"merged", c.merged},                {"evicted", c.evicted},
            {"ms", c.milliseconds}};
}
} // namespace

std::string turnStatsJson(int turn, const std::string &policy, const engine::TurnResult &result)
{
    const auto &s = result.stats;
    nlohmann::json j{{"turn", turn},
                     {"policy", policy},
                     {"prompt_tokens", s.promptTokens},
                     {"prefill_ms", s.prefillMs},
                     {"decode_tokens", s.decodeTokens},
                     {"decode_ms", s.decodeMs},
                     {"tokens_seen", s.tokensSeen},
                     {"cache_entries", s.cacheEntries},
                     {"cache_bytes", s.cacheBytes},
                     {"prefill_compaction", compactionJson(s.prefillCompaction)},
                     {"decode_compaction", compactionJson(s.decodeCompaction)}};
    if (!result.stopReasons.empty())
        j["stop"] = engine::stopReasonName(result.stopReasons[0]);
    return j.dump();
}

} // namespace ec::cli
