// Exact-match accuracy for short answers with known ground truth (the demo world's questions).
#pragma once

#include <string>
#include <string_view>

namespace ec::eval {

// The normalisation both sides go through before comparison:
//  1. ASCII letters to lower case (no Unicode case folding);
//  2. every ASCII punctuation character becomes a space ("red." == "red", "3,4" == "3 4");
//  3. the whole words "a", "an" and "the" are dropped ("a red circle" == "red circle");
//  4. whitespace runs collapse to one space, leading and trailing whitespace is removed.
// Numbers are not rewritten ("three" != "3").
std::string normalizeAnswer(std::string_view text);

bool exactMatch(std::string_view prediction, std::string_view answer);

} // namespace ec::eval
