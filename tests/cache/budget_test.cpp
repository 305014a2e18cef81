#include "cache/budget.h"

#include <gtest/gtest.h>

using ec::cache::Budget;

TEST(Budget, KeptFractionRoundsUpExactly)
{
    Budget b;
    b.keepRatio = 0.3;
    EXPECT_EQ(b.targetEntries(10, 100), 3); // 0.3*10 is 3.0000000000000004 in double
    EXPECT_EQ(b.targetEntries(11, 100), 4);
    b.keepRatio = 0.5;
    EXPECT_EQ(b.targetEntries(40, 100), 20);
    EXPECT_EQ(b.targetEntries(41, 100), 21);
    b.keepRatio = 1.0;
    EXPECT_EQ(b.targetEntries(640, 100), 640);
}

TEST(Budget, StricterLimitWins)
{
    Budget b;
    b.keepRatio = 0.5;
    b.maxTokens = 100;
    EXPECT_EQ(b.targetEntries(1000, 10), 100);
    EXPECT_EQ(b.targetEntries(50, 10), 25);
    b.maxBytes = 500; // 50 tokens of 10 bytes
    EXPECT_EQ(b.targetEntries(1000, 10), 50);
}

TEST(Budget, NeverBelowTheProtectedFloorNorAboveTokensSeen)
{
    Budget b;
    b.keepRatio = 0.01;
    EXPECT_EQ(b.targetEntries(100, 10, 2), 2);
    EXPECT_EQ(b.targetEntries(1, 10, 2), 1);
    b.keepRatio = 0.0;
    EXPECT_THROW(b.targetEntries(10, 10), std::invalid_argument);
}
