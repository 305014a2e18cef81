#include "engine/runtime.h"

#include <gtest/gtest.h>

#include <thread>

TEST(Runtime, UsesEveryHardwareThread)
{
    ec::engine::initRuntime();
    auto info = ec::engine::runtimeInfo();
    EXPECT_EQ(info.threads, static_cast<int>(std::thread::hardware_concurrency()));
    EXPECT_EQ(info.torchVersion.rfind("1.", 0) == 0 || info.torchVersion.rfind("2.", 0) == 0, true)
        << info.torchVersion;
}

TEST(Runtime, ExplicitThreadCountIsApplied)
{
    ec::engine::initRuntime(1);
    EXPECT_EQ(ec::engine::runtimeInfo().threads, 1);
    ec::engine::initRuntime();
}
