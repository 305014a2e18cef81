#include "kernels/cuda/device_query.h"

#include <cstdio>
#include <cuda_runtime.h>

namespace ec::kernels::cuda {

int deviceCount(char *error, int errorSize)
{
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        std::snprintf(error, errorSize, "%s", cudaGetErrorString(status));
        cudaGetLastError(); // clear the sticky error so later calls start clean
        return 0;
    }
    return count;
}

bool deviceName(int index, char *name, int nameSize)
{
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, index) != cudaSuccess)
        return false;
    std::snprintf(name, nameSize, "%s", prop.name);
    return true;
}

} // namespace ec::kernels::cuda
