// Cross-check of the C++ ROUGE-L against an independent Python re-implementation of the spec
// (oracle/rouge_l_spec.py) on random sentence pairs that stress splitting, whitespace and ties.
#include "lab/eval/rouge_l.h"
#include "support/run_process.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <random>

namespace {

std::string randomText(std::mt19937 &rng)
{
    static const std::vector<std::string> words = {"a", "b", "c", "cat", "the", "red", "A", "b2"};
    static const std::vector<std::string> gaps = {
        " ", " ", " ", "  ", "\t", ". ", ".", "\xc2\xa0", "\xe2\x80\x83", "\n", ".. ", "\x1c"};
    std::uniform_int_distribution<int> length(0, 14);
    std::uniform_int_distribution<size_t> word(0, words.size() - 1), gap(0, gaps.size() - 1);
    std::string text;
    const int n = length(rng);
    for (int i = 0; i < n; ++i) {
        if (rng() % 5 == 0)
            text += gaps[gap(rng)];
        text += words[word(rng)] + gaps[gap(rng)];
    }
    return text;
}

} // namespace

TEST(RougeLOracle, MatchesIndependentPythonImplementation)
{
    const char *python = "/usr/bin/python3";
    if (!std::filesystem::exists(python))
        GTEST_SKIP() << "no /usr/bin/python3";
    std::mt19937 rng(20240726);
    nlohmann::json pairs = nlohmann::json::array();
    for (int i = 0; i < 400; ++i)
        pairs.push_back({randomText(rng), randomText(rng)});
    const auto dir =
        std::filesystem::temp_directory_path() / ("ec_rouge_oracle_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "in.json") << pairs.dump();
    auto run = ec::test::runProcess(std::string(python) + " " + EC_ROUGE_ORACLE + " " +
                                    (dir / "in.json").string() + " " + (dir / "out.json").string() +
                                    " 2>&1");
    ASSERT_EQ(run.exitCode, 0) << run.output;
    nlohmann::json expected;
    std::ifstream(dir / "out.json") >> expected;
    std::filesystem::remove_all(dir);
    ASSERT_EQ(expected.size(), pairs.size());

    int errors = 0, partial = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
        const std::string hyp = pairs[i][0], ref = pairs[i][1];
        if (expected[i].is_string()) {
            ++errors;
            EXPECT_THROW(ec::eval::rougeL(hyp, ref), std::invalid_argument) << i;
            continue;
        }
        const double f = ec::eval::rougeL(hyp, ref).f;
        // Same integer counts and the same operation order: equal to the last bit.
        EXPECT_EQ(f, expected[i].get<double>())
            << "pair " << i << ": [" << hyp << "] vs [" << ref << "]";
        partial += f > 0.05 && f < 0.95;
    }
    // The generator must exercise both the error path and non-trivial scores.
    EXPECT_GT(errors, 0);
    EXPECT_GT(partial, 100);
}
