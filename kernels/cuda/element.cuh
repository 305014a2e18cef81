// Element conversions and vector packs shared by the .cu files.
#pragma once

#include "kernels/cuda/cache_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace ec::kernels::cuda {

__device__ __forceinline__ float toFloat(float x)
{
    return x;
}
__device__ __forceinline__ float toFloat(__half x)
{
    return __half2float(x);
}
__device__ __forceinline__ float toFloat(__nv_bfloat16 x)
{
    return __bfloat162float(x);
}

template <typename T> __device__ __forceinline__ T fromFloat(float x);
template <> __device__ __forceinline__ float fromFloat<float>(float x)
{
    return x;
}
template <> __device__ __forceinline__ __half fromFloat<__half>(float x)
{
    return __float2half_rn(x);
}
template <> __device__ __forceinline__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float x)
{
    return __float2bfloat16_rn(x);
}

// V consecutive elements moved as one aligned load/store.
template <typename T, int V> struct alignas(sizeof(T) * V) Pack
{
    T v[V];
};

inline bool aligned16(const void *p)
{
    return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

// 16-byte packs when every row start is 16-byte aligned, else single elements.
inline int packWidth(int elementSize, int rowElements, const void *const *ptrs, int count)
{
    const int width = 16 / elementSize;
    if (rowElements % width != 0)
        return 1;
    for (int i = 0; i < count; ++i)
        if (!aligned16(ptrs[i]))
            return 1;
    return width;
}

// Calls f(T{}) with the element type of `dtype`.
template <typename F> cudaError_t withElementType(DType dtype, F &&f)
{
    switch (dtype) {
    case DType::F32:
        return f(float{});
    case DType::F16:
        return f(__half{});
    case DType::BF16:
        return f(__nv_bfloat16{});
    }
    return cudaErrorInvalidValue;
}

} // namespace ec::kernels::cuda
