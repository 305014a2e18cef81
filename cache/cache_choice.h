// The cache choice a person makes: which of the product's policies, and the memory cap the
// budget slider sets. The app, the window and the engine backend all ask this type, so "full"
// and the cap arithmetic live here only. Plain C++: safe for Qt code and torch-free tools.
#pragma once

#include "cache/budget.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ec::cache {

// One megabyte as the app shows it and `--max-cache-mb` reads it: 10^6 bytes (SI, as disk and
// download sizes are shown).
inline constexpr int64_t kBytesPerMB = 1000 * 1000;

enum class PolicyKind { Elastic, H2o, Local, Full };
// In the order the window lists them.
inline constexpr std::array<PolicyKind, 4> kPolicyKinds{PolicyKind::Elastic, PolicyKind::H2o,
                                                        PolicyKind::Local, PolicyKind::Full};

// The name makePolicy and the history store use: "elastic", "h2o", "local", "full".
const char *policyName(PolicyKind kind);
std::optional<PolicyKind> policyKindFromName(std::string_view name);

struct CacheChoice
{
    PolicyKind policy = PolicyKind::Elastic;
    int64_t budgetBytes = 0; // the slider's cap on the conversation's cache; 0 = none

    bool compacts() const { return policy != PolicyKind::Full; }
    bool capped() const { return compacts() && budgetBytes > 0; }
    // What the policy is given: the cap in bytes, none for Full.
    Budget budget() const;
    // Bytes a cache now holding `heldBytes` keeps after the next compaction.
    int64_t bytesAfterCompaction(int64_t heldBytes) const;
    // Entries the cap leaves room for at `bytesPerToken`; 0 = no cap.
    int64_t entryCap(int64_t bytesPerToken) const;

    bool operator==(const CacheChoice &) const = default;
};

} // namespace ec::cache
