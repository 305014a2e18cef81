#include "app/cli/option_checks.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace ec::cli {

namespace {

std::string describe(double lo, double hi, bool lowOpen)
{
    std::ostringstream s;
    if (hi == std::numeric_limits<double>::max())
        s << "a finite number " << (lowOpen ? "> " : ">= ") << lo;
    else
        s << "a finite number in " << (lowOpen ? "(" : "[") << lo << ", " << hi << "]";
    return s.str();
}

} // namespace

CLI::Validator finiteIn(double lo, double hi, bool lowOpen)
{
    const std::string expected = describe(lo, hi, lowOpen);
    return CLI::Validator(
        [=](std::string &text) -> std::string {
            double v = 0;
            try {
                size_t used = 0;
                v = std::stod(text, &used);
                if (used != text.size())
                    return "'" + text + "' is not " + expected;
            } catch (const std::exception &) {
                return "'" + text + "' is not " + expected;
            }
            if (!std::isfinite(v) || v < lo || v > hi || (lowOpen && v == lo))
                return "'" + text + "' is not " + expected;
            return {};
        },
        expected);
}

CLI::Validator finiteAtLeast(double lo, bool lowOpen)
{
    return finiteIn(lo, std::numeric_limits<double>::max(), lowOpen);
}

CLI::Validator integerAtLeast(long long lo)
{
    const std::string expected = "a whole number >= " + std::to_string(lo);
    return CLI::Validator(
        [=](std::string &text) -> std::string {
            try {
                size_t used = 0;
                const long long v = std::stoll(text, &used);
                if (used == text.size() && v >= lo)
                    return {};
            } catch (const std::exception &) {
            }
            return "'" + text + "' is not " + expected;
        },
        expected);
}

} // namespace ec::cli
