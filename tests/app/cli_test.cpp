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
