#include "kernels/device_info.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

TEST(DeviceInfo, TorchMatmulUsesOpenBlas)
{
    // Debian's torch resolves BLAS through the libblas.so.3 alternative; the reference BLAS makes
    // f32 matmul ~25x slower (build-notes G2), so the install must have switched it to OpenBLAS.
    auto a = at::randn({64, 64});
    (void)at::mm(a, a);
    EXPECT_NE(ec::kernels::blasDescription().find("OpenBLAS"), std::string::npos)
        << ec::kernels::blasDescription();
}

TEST(DeviceInfo, CudaReportIsConsistent)
{
    auto info = ec::kernels::cudaDeviceInfo();
    if (info.deviceCount > 0)
        EXPECT_FALSE(info.deviceName.empty());
    else
        EXPECT_FALSE(info.error.empty());
}
