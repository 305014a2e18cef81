// What compute this process has: CUDA devices seen by the kernels' own runtime, BLAS, threads.
#pragma once

#include <string>

namespace ec::kernels {

struct CudaDeviceInfo
{
    bool compiled = false;  // this build has the CUDA kernels
    bool dispatch = false;  // CUDA tensors reach them (the linked torch has CUDA)
    int deviceCount = 0;    // devices the CUDA runtime sees (0 without a driver)
    std::string deviceName; // first device, empty when none
    std::string error;      // why no device, when there is none
};

CudaDeviceInfo cudaDeviceInfo();

// The BLAS library that torch's matmul resolves to, e.g. "OpenBLAS 0.3.21 (openmp)".
std::string blasDescription();

} // namespace ec::kernels
