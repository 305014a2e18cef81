// Checks for the command line's numeric options. CLI11's Range lets NaN through (every
// comparison with it is false), so "--budget nan" used to run a turn; these refuse NaN and the
// infinities and name the accepted range.
#pragma once

#include <CLI/CLI.hpp>

namespace ec::cli {

// A finite number in [lo, hi], or in (lo, hi] when `lowOpen`.
CLI::Validator finiteIn(double lo, double hi, bool lowOpen = false);
// A finite number >= lo (or > lo when `lowOpen`).
CLI::Validator finiteAtLeast(double lo, bool lowOpen = false);
// A whole number >= lo.
CLI::Validator integerAtLeast(long long lo);

} // namespace ec::cli
