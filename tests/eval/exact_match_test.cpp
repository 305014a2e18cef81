#include "lab/eval/exact_match.h"

#include <gtest/gtest.h>

using namespace ec::eval;

TEST(ExactMatch, NormalisesCasePunctuationArticlesAndSpaces)
{
    EXPECT_EQ(normalizeAnswer("  The Red,  circle. "), "red circle");
    EXPECT_TRUE(exactMatch("Yes.", "yes"));
    EXPECT_TRUE(exactMatch("a blue square", "Blue Square!"));
    EXPECT_TRUE(exactMatch("3", " 3 "));
}

TEST(ExactMatch, KeepsWhatChangesTheAnswer)
{
    EXPECT_FALSE(exactMatch("three", "3"));
    EXPECT_FALSE(exactMatch("red circle", "red square"));
    EXPECT_FALSE(exactMatch("no", "yes"));
    EXPECT_FALSE(exactMatch("another", "other")); // articles only as whole words
    EXPECT_EQ(normalizeAnswer("theme"), "theme");
}
