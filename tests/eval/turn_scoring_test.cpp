// One generated turn scored against the full cache's text and the dataset's answer, per kind.
#include "lab/eval/turn_scoring.h"

#include <gtest/gtest.h>

using namespace ec::eval;
using nlohmann::json;

namespace {

EvalTurn turn(std::optional<std::string> answer, std::string kind)
{
    EvalTurn t;
    t.question = "q";
    t.answer = std::move(answer);
    t.kind = std::move(kind);
    return t;
}

constexpr double kSame = 2.0 / (2.0 + 1e-8); // the package's F of identical texts

} // namespace

TEST(TurnScoring, ScoresAgainstTheAnswerAndPoolsPerKind)
{
    SampleRecord record;
    json d[6];
    scoreGeneratedTurn(turn("2", "short"), "2", "2", d[0], record);
    // Words {a, red, circle} against {a, blue, circle}: LCS 2 of 3 both ways, F = 2/3.
    scoreGeneratedTurn(turn("a blue circle", "description"), "a red circle", "a red circle", d[1],
                       record);
    scoreGeneratedTurn(turn("3", "short"), "", "3", d[2], record);
    scoreGeneratedTurn(turn("", "description"), "x", "x", d[3], record);
    scoreGeneratedTurn(turn(std::nullopt, "followup"), "yes", "no", d[4], record);
    scoreGeneratedTurn(turn("2", ""), "2.", "2", d[5], record);

    EXPECT_EQ(d[0]["kind"], "short");
    EXPECT_EQ(d[0]["exact_match"], true);
    EXPECT_NEAR(d[0]["answer_rouge_l"].get<double>(), kSame, 1e-12);
    EXPECT_NEAR(d[0]["rouge_l"].get<double>(), kSame, 1e-12);

    EXPECT_EQ(d[1]["exact_match"], false);
    EXPECT_NEAR(d[1]["answer_rouge_l"].get<double>(), 2.0 / 3.0, 1e-7);
    EXPECT_EQ(d[1]["answer"], "a blue circle");

    // An empty hypothesis scores 0 against both texts and says so.
    EXPECT_EQ(d[2]["rouge_l"].get<double>(), 0.0);
    EXPECT_EQ(d[2]["answer_rouge_l"].get<double>(), 0.0);
    EXPECT_EQ(d[2]["empty_hypothesis"], true);

    // An answer without a sentence has no ROUGE-L, but exact match still counts it.
    EXPECT_TRUE(d[3]["answer_rouge_l"].is_null());
    EXPECT_EQ(d[3]["exact_match"], false);
    EXPECT_FALSE(d[3].contains("empty_hypothesis"));

    // No answer: no answer scores, but the kind is named.
    EXPECT_EQ(d[4]["kind"], "followup");
    EXPECT_EQ(d[4]["rouge_l"].get<double>(), 0.0);
    for (const char *field : {"answer", "exact_match", "answer_rouge_l"})
        EXPECT_FALSE(d[4].contains(field)) << field;

    EXPECT_FALSE(d[5].contains("kind"));
    EXPECT_EQ(d[5]["exact_match"], true);

    EXPECT_EQ(record.rougeTurns, 6);
    EXPECT_NEAR(record.rougeSum, 4 * kSame, 1e-12); // turns 0, 1, 3 and 5
    EXPECT_EQ(record.exactHits, 2);
    EXPECT_EQ(record.exactTurns, 5);
    ASSERT_EQ(record.kinds.size(), 2u); // the turn without a kind and the one without an answer
    const auto &shortSums = record.kinds.at("short");
    EXPECT_EQ(shortSums.exactHits, 1);
    EXPECT_EQ(shortSums.exactTurns, 2);
    EXPECT_EQ(shortSums.answerRougeTurns, 2);
    EXPECT_NEAR(shortSums.answerRougeSum, kSame, 1e-12);
    const auto &description = record.kinds.at("description");
    EXPECT_EQ(description.exactHits, 0);
    EXPECT_EQ(description.exactTurns, 2);
    EXPECT_EQ(description.answerRougeTurns, 1);
    EXPECT_NEAR(description.answerRougeSum, 2.0 / 3.0, 1e-7);
}

TEST(TurnScoring, ReferenceWithoutSentenceIsNotScored)
{
    SampleRecord record;
    json d;
    scoreGeneratedTurn(turn(std::nullopt, ""), "", "", d, record);
    EXPECT_TRUE(d["rouge_l"].is_null());
    EXPECT_EQ(record.rougeTurns, 0);
    EXPECT_EQ(record.exactTurns, 0);
    EXPECT_TRUE(record.kinds.empty());
}
