// The scores of one generated turn of a sweep, written into the turn's detail in its record and
// added to the record's sums.
#pragma once

#include "lab/eval/dataset.h"
#include "lab/eval/sample_record.h"

#include <nlohmann/json.hpp>
#include <string>

namespace ec::eval {

// Scores `hypothesis` (the policy's greedy answer, trimmed) for `turn` of the dataset:
//  - "rouge_l": ROUGE-L F against `fullCache`, the full cache's answer (fidelity; rougeSum);
//  - with a dataset answer: "exact_match" (exactHits) and "answer_rouge_l", ROUGE-L F against
//    the answer; both also pooled into record.kinds[turn.kind] when the turn has a kind, which
//    "kind" in the detail then names.
// The `rouge` package raises on an empty hypothesis: it scores 0 here and the detail says
// "empty_hypothesis": true. Against a reference without a sentence nothing is scored (null).
void scoreGeneratedTurn(const EvalTurn &turn, const std::string &hypothesis,
                        const std::string &fullCache, nlohmann::json &detail, SampleRecord &record);

} // namespace ec::eval
