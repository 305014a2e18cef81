// The cache choice the app hands the engine, and the policy registry the lab fills in.
#include "cache/cache_choice.h"
#include "cache/cache_policy.h"
#include "cache/full_policy.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace ec::cache;

TEST(CacheChoice, FullNeverCompactsWhateverTheSliderSays)
{
    const CacheChoice full{PolicyKind::Full, 50 * kBytesPerMB};
    EXPECT_FALSE(full.compacts());
    EXPECT_FALSE(full.capped());
    EXPECT_EQ(full.budget().maxBytes, 0);
    EXPECT_EQ(full.bytesAfterCompaction(80 * kBytesPerMB), 80 * kBytesPerMB);
    EXPECT_EQ(full.entryCap(1000), 0);
}

TEST(CacheChoice, TheCapIsTheBudgetOfTheCompactingPolicies)
{
    for (PolicyKind kind : {PolicyKind::Elastic, PolicyKind::H2o, PolicyKind::Local}) {
        const CacheChoice choice{kind, 3 * kBytesPerMB};
        EXPECT_TRUE(choice.capped());
        EXPECT_EQ(choice.budget().maxBytes, 3'000'000);
        EXPECT_DOUBLE_EQ(choice.budget().keepRatio, 1.0);
        EXPECT_EQ(choice.bytesAfterCompaction(5'000'000), 3'000'000);
        EXPECT_EQ(choice.bytesAfterCompaction(1'000'000), 1'000'000);
        EXPECT_EQ(choice.entryCap(3'276), 915); // 3e6 / 3276, rounded down
    }
    const CacheChoice uncapped{PolicyKind::Elastic, 0};
    EXPECT_FALSE(uncapped.capped());
    EXPECT_EQ(uncapped.budget().maxBytes, 0);
    EXPECT_EQ(uncapped.bytesAfterCompaction(7), 7);
}

TEST(CacheChoice, NamesAreTheOnesMakePolicyAndTheHistoryUse)
{
    for (PolicyKind kind : kPolicyKinds) {
        EXPECT_EQ(policyKindFromName(policyName(kind)), kind);
        PolicyConfig config;
        config.name = policyName(kind);
        EXPECT_EQ(makePolicy(config)->name(), policyName(kind));
    }
    EXPECT_EQ(policyKindFromName("elastic-ref"), std::nullopt);
    EXPECT_EQ(policyKindFromName("Elastic"), std::nullopt);
}

TEST(PolicyRegistry, ARegisteredPolicyIsBuiltByNameAndListed)
{
    registerPolicy("test-full-alias", [](const PolicyConfig &c) {
        return std::make_unique<FullPolicy>(c);
    });
    PolicyConfig config;
    config.name = "test-full-alias";
    EXPECT_EQ(makePolicy(config)->name(), "test-full-alias");
    const std::vector<std::string> names = knownPolicyNames();
    EXPECT_NE(std::find(names.begin(), names.end(), "test-full-alias"), names.end());
    EXPECT_EQ(names.front(), "full");

    config.name = "no-such-policy";
    try {
        makePolicy(config);
        FAIL() << "an unknown name was accepted";
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("test-full-alias"), std::string::npos) << e.what();
    }
}

TEST(PolicyRegistry, TheProductsPoliciesCannotBeReplaced)
{
    EXPECT_THROW(registerPolicy("elastic", [](const PolicyConfig &c) {
                     return std::make_unique<FullPolicy>(c);
                 }),
                 std::invalid_argument);
}
