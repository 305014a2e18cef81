// One evaluated (method, budget, sample): the sums its metrics pool over, plus per-turn detail.
// It is one JSON line of an eval output, and the unit of resume, sharding and merging.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace ec::eval {

// Scores against the dataset's answers of the turns of one kind ("short", "followup", ...).
struct KindSums
{
    int64_t exactHits = 0;
    int64_t exactTurns = 0;
    double answerRougeSum = 0; // ROUGE-L F of the generation against the answer
    int64_t answerRougeTurns = 0;
};

struct SampleRecord
{
    std::string method;
    double budget = 1.0;
    std::string sampleId;
    int64_t sampleIndex = 0;

    // Teacher-forced answer tokens (PPL, pooled over tokens).
    double nllSum = 0;
    int64_t nllTokens = 0;
    // Next-token distributions against the full cache at the same positions.
    double klSum = 0;
    int64_t top1Agreements = 0;
    int64_t klPositions = 0;
    // ROUGE-L F of the generation against the full-cache generation, summed over turns.
    double rougeSum = 0;
    int64_t rougeTurns = 0;
    // Exact match against the dataset's answers, over the turns that have one.
    int64_t exactHits = 0;
    int64_t exactTurns = 0;
    // The same and ROUGE-L against the answers, per turn kind (turns without a kind: none).
    // Records written before kinds existed have none.
    std::map<std::string, KindSums> kinds;

    nlohmann::json turns = nlohmann::json::array(); // free-form per-turn detail (texts, stats)
};

// Budgets are keyed at 4 decimals so that 0.3 and 0.30000000000000004 are one budget.
std::string budgetKey(double budget);
std::string recordKey(const std::string &method, double budget, const std::string &sampleId);
std::string recordKey(const SampleRecord &record);

nlohmann::json recordToJson(const SampleRecord &record);
// Throws std::invalid_argument naming the missing or mistyped field.
SampleRecord recordFromJson(const nlohmann::json &object);

} // namespace ec::eval
