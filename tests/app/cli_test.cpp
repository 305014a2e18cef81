#include "support/run_process.h"

#include <gtest/gtest.h>

#include <thread>

using ec::test::runProcess;

TEST(Cli, VersionAndHelp)
{
    auto version = runProcess(std::string(EC_CLI_PATH) + " --version");
    EXPECT_EQ(version.exitCode, 0);
    EXPECT_NE(version.output.find("elastic-cli 0."), std::string::npos) << version.output;
    auto help = runProcess(std::string(EC_CLI_PATH) + " --help");
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.output.find("doctor"), std::string::npos) << help.output;
}

TEST(Cli, DoctorReportsOpenBlasAndAllThreads)
{
    // Without OMP_NUM_THREADS, which would cap the threads (engine::initRuntime).
    auto doctor = runProcess("env -u OMP_NUM_THREADS " + std::string(EC_CLI_PATH) + " doctor 2>&1");
    ASSERT_EQ(doctor.exitCode, 0) << doctor.output;
    EXPECT_NE(doctor.output.find("BLAS:         OpenBLAS"), std::string::npos) << doctor.output;
    auto n = std::to_string(std::thread::hardware_concurrency());
    EXPECT_NE(doctor.output.find("threads:      " + n + " of " + n), std::string::npos)
        << doctor.output;
    EXPECT_NE(doctor.output.find("torch:"), std::string::npos);
}

TEST(Cli, UnknownCommandFailsWithMessage)
{
    auto bad = runProcess(std::string(EC_CLI_PATH) + " frobnicate 2>&1");
    EXPECT_NE(bad.exitCode, 0);
    EXPECT_FALSE(bad.output.empty());
}

// NaN passed CLI11's range check (every comparison with it is false) and ran a turn; each bad
// number now ends at once with exit 1 and one line naming the option and what it accepts.
TEST(Cli, NumericOptionsRefuseNanInfinityAndOutOfRange)
{
    const std::pair<const char *, const char *> cases[] = {
        {"--budget nan", "--budget: 'nan' is not a finite number in (0, 1]"},
        {"--budget 0", "--budget: '0' is not a finite number in (0, 1]"},
        {"--budget inf", "--budget: 'inf' is not a finite number in (0, 1]"},
        {"--top-p 1.5", "--top-p: '1.5' is not a finite number in (0, 1]"},
        {"--temperature -inf", "--temperature: '-inf' is not a finite number >= 0"},
        {"--max-cache-mb nan", "--max-cache-mb: 'nan' is not a finite number >= 0"},
        {"--repetition-penalty 0", "--repetition-penalty: '0' is not a finite number > 0"},
        {"--max-tokens -5", "--max-tokens: '-5' is not a whole number >= 1"},
        {"--max-tokens 2.5", "--max-tokens: '2.5' is not a whole number >= 1"},
        {"--sinks -1", "--sinks: '-1' is not a whole number >= 0"},
    };
    for (const auto &[option, message] : cases) {
        // No --model: the demo model would load if parsing let the turn start.
        auto run = runProcess(std::string(EC_CLI_PATH) + " chat --prompt hi " + option + " 2>&1");
        EXPECT_EQ(run.exitCode, 1) << option << ": " << run.output;
        EXPECT_EQ(run.output.rfind(message, 0), 0u) << option << ": " << run.output;
    }
}
