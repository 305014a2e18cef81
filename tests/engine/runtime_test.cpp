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
