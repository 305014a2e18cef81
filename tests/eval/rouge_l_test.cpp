// ROUGE-L against cases computed by hand from the spec (paper record §8).
#include "lab/eval/rouge_l.h"

#include <gtest/gtest.h>
#include <stdexcept>

using ec::eval::rougeL;
using ec::eval::rougeSentences;
using ec::eval::rougeWords;

namespace {

double f(double p, double r)
{
    return 2.0 * ((p * r) / (p + r + 1e-8));
}

} // namespace

TEST(RougeL, SingleSentenceCountsUniqueLcsWords)
{
    // ref words {the, cat, is, on, mat}, hyp {the, cat, sat, on, mat}; LCS "the cat on the mat"
    // has 5 tokens but 4 distinct words.
    auto score = rougeL("the cat sat on the mat", "the cat is on the mat");
    EXPECT_DOUBLE_EQ(score.recall, 0.8);
    EXPECT_DOUBLE_EQ(score.precision, 0.8);
    EXPECT_DOUBLE_EQ(score.f, f(0.8, 0.8));
    EXPECT_LT(score.f, 0.8); // the 1e-8 in the denominator
}

TEST(RougeL, RepeatedWordsCountOnce)
{
    auto score = rougeL("a a a a", "a b");
    EXPECT_DOUBLE_EQ(score.precision, 1.0); // hyp has one distinct word
    EXPECT_DOUBLE_EQ(score.recall, 0.5);
    EXPECT_DOUBLE_EQ(score.f, f(1.0, 0.5));
}

TEST(RougeL, SummaryLevelUnionOverSentencePairs)
{
    // As one sentence the LCS of "a b c d" and "c d a b" is 2 words; split on '.', every
    // sentence finds its partner.
    EXPECT_DOUBLE_EQ(rougeL("a b. c d", "c d. a b").f, f(1.0, 1.0));
    EXPECT_DOUBLE_EQ(rougeL("a b c d", "c d a b").f, f(0.5, 0.5));
}

TEST(RougeL, TiedLcsStepsBackInTheHypothesis)
{
    // LCS("a b", "b a") has length 1; the package's walk takes "b". The second reference
    // sentence "a" then adds "a", so the union has both words. Taking "a" first would give 1.
    EXPECT_DOUBLE_EQ(rougeL("b a", "a b. a").f, f(1.0, 1.0));
}

TEST(RougeL, SentenceSplitDropsEmptyPiecesBeforeCollapsing)
{
    EXPECT_EQ(rougeSentences("hello.."), (std::vector<std::string>{"hello"}));
    // " " is not empty when the filter runs, so it becomes an empty sentence...
    EXPECT_EQ(rougeSentences("hello. "), (std::vector<std::string>{"hello", ""}));
    // ...whose one word is "" and counts: n = 2, so p = 1/2.
    auto score = rougeL("hello. ", "hello");
    EXPECT_DOUBLE_EQ(score.precision, 0.5);
    EXPECT_DOUBLE_EQ(score.recall, 1.0);
    EXPECT_EQ(rougeWords(""), (std::vector<std::string>{""}));
}

TEST(RougeL, WhitespaceCollapsesLikePythonSplit)
{
    EXPECT_EQ(rougeSentences("  a\t\tb \n c \x0b"), (std::vector<std::string>{"a b c"}));
    EXPECT_EQ(rougeSentences("a\xc2\xa0"
                             "b\xe2\x80\x83"
                             "c\x1f"
                             "d"),
              (std::vector<std::string>{"a b c d"}));
    // U+00A9 shares its lead byte with U+00A0 but is no space.
    EXPECT_EQ(rougeSentences("a\xc2\xa9"
                             "b"),
              (std::vector<std::string>{"a\xc2\xa9"
                                        "b"}));
    EXPECT_DOUBLE_EQ(rougeL("a\tb", "a  b").f, f(1.0, 1.0));
}

TEST(RougeL, NoLowercasingOrStemming)
{
    EXPECT_DOUBLE_EQ(rougeL("The Cats", "the cat").f, 0.0);
}

TEST(RougeL, EmptyTextsRaiseLikeThePackage)
{
    EXPECT_THROW(rougeL("", "a"), std::invalid_argument);
    EXPECT_THROW(rougeL("...", "a"), std::invalid_argument);
    EXPECT_THROW(rougeL("a", ""), std::invalid_argument);
    // One space is a sentence with the word "": no error, no overlap.
    EXPECT_DOUBLE_EQ(rougeL(" ", "a").f, 0.0);
}
