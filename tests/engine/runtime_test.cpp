#include "engine/runtime.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

TEST(Runtime, UsesEveryHardwareThread)
{
    unsetenv("OMP_NUM_THREADS");
    ec::engine::initRuntime();
    auto info = ec::engine::runtimeInfo();
    EXPECT_EQ(info.threads, static_cast<int>(std::thread::hardware_concurrency()));
    EXPECT_EQ(info.torchVersion.rfind("1.", 0) == 0 || info.torchVersion.rfind("2.", 0) == 0, true)
        << info.torchVersion;
}

TEST(Runtime, OmpNumThreadsWinsOverAllThreads)
{
    setenv("OMP_NUM_THREADS", "1", 1);
    ec::engine::initRuntime();
    EXPECT_EQ(ec::engine::runtimeInfo().threads, 1);
    ec::engine::initRuntime(2); // an explicit count still wins over the variable
    EXPECT_EQ(ec::engine::runtimeInfo().threads, 2);
    unsetenv("OMP_NUM_THREADS");
    ec::engine::initRuntime();
}

TEST(Runtime, ExplicitThreadCountIsApplied)
{
    ec::engine::initRuntime(1);
    EXPECT_EQ(ec::engine::runtimeInfo().threads, 1);
    ec::engine::initRuntime();
}

TEST(Runtime, SmallModelsDefaultToOneThreadLargeOnesToAll)
{
    unsetenv("OMP_NUM_THREADS");
    const int all = static_cast<int>(std::thread::hardware_concurrency());
    ec::engine::initRuntime();
    ec::engine::fitThreadsToModel(0, 5'000'000); // the demo model reads ~5 MB a token
    EXPECT_EQ(ec::engine::runtimeInfo().threads, 1);
    ec::engine::fitThreadsToModel(0, 2'000'000'000); // a 1B model in bf16
    EXPECT_EQ(ec::engine::runtimeInfo().threads, all);
    ec::engine::initRuntime(all);
    ec::engine::fitThreadsToModel(all, 5'000'000); // asked for: kept
    EXPECT_EQ(ec::engine::runtimeInfo().threads, all);
    setenv("OMP_NUM_THREADS", "2", 1);
    ec::engine::initRuntime();
    ec::engine::fitThreadsToModel(0, 5'000'000); // the variable: kept
    EXPECT_EQ(ec::engine::runtimeInfo().threads, 2);
    unsetenv("OMP_NUM_THREADS");
    ec::engine::initRuntime();
}
