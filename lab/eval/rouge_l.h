// ROUGE-L F exactly as the `rouge` package (pltrdy, 1.0.1) that the paper's scripts call:
// summary-level, with set semantics (paper record §8). Not the ROUGE-1.5.5 / rouge-score variant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ec::eval {

struct RougeScore
{
    double precision = 0;
    double recall = 0;
    double f = 0;
};

// Sentences as the package sees them: split on '.', drop empty pieces (before whitespace is
// collapsed, so a piece of only spaces survives as an empty sentence), collapse whitespace runs
// (Python's str.split() set, Unicode included) to one space and trim.
std::vector<std::string> rougeSentences(std::string_view text);

// Words of one collapsed sentence, split on ' '. An empty sentence has one empty word, as
// Python's "".split(" ") == [""]; that word counts like any other.
std::vector<std::string> rougeWords(const std::string &sentence);

// Summary-level ROUGE-L of `hypothesis` against `reference`:
//   m = unique reference words, n = unique hypothesis words,
//   llcs = |union over all (reference, hypothesis) sentence pairs of the words of their LCS|,
//   r = llcs/m, p = llcs/n, f = 2pr/(p+r+1e-8).
// The LCS is the one the package reconstructs (walk back from the end; on a tie between the two
// neighbours step back in the hypothesis), which decides which words a tied LCS contributes.
// Throws std::invalid_argument when either text has no sentence (empty, or only dots), as the
// package raises on an empty hypothesis.
RougeScore rougeL(std::string_view hypothesis, std::string_view reference);

} // namespace ec::eval
