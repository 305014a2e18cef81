#include "lab/eval/turn_scoring.h"

#include "lab/eval/exact_match.h"
#include "lab/eval/rouge_l.h"

#include <optional>
#include <stdexcept>

namespace ec::eval {

namespace {

// ROUGE-L F, or nothing when the reference has no sentence to compare with.
std::optional<double> sweepRougeL(const std::string &hypothesis, const std::string &reference,
                                  nlohmann::json &detail)
{
    try {
        return rougeL(hypothesis, reference).f;
    } catch (const std::invalid_argument &) {
        if (rougeSentences(reference).empty())
            return std::nullopt;
        detail["empty_hypothesis"] = true;
        return 0.0;
    }
}

nlohmann::json orNull(std::optional<double> value)
{
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

} // namespace

void scoreGeneratedTurn(const EvalTurn &turn, const std::string &hypothesis,
                        const std::string &fullCache, nlohmann::json &detail, SampleRecord &record)
{
    if (!turn.kind.empty())
        detail["kind"] = turn.kind;
    const auto fidelity = sweepRougeL(hypothesis, fullCache, detail);
    detail["rouge_l"] = orNull(fidelity);
    if (fidelity) {
        record.rougeSum += *fidelity;
        ++record.rougeTurns;
    }
    if (!turn.answer)
        return;
    const bool hit = exactMatch(hypothesis, *turn.answer);
    const auto answerRouge = sweepRougeL(hypothesis, *turn.answer, detail);
    detail["answer"] = *turn.answer;
    detail["exact_match"] = hit;
    detail["answer_rouge_l"] = orNull(answerRouge);
    record.exactHits += hit;
    ++record.exactTurns;
    if (turn.kind.empty())
        return;
    auto &sums = record.kinds[turn.kind];
    sums.exactHits += hit;
    ++sums.exactTurns;
    if (answerRouge) {
        sums.answerRougeSum += *answerRouge;
        ++sums.answerRougeTurns;
    }
}

} // namespace ec::eval
