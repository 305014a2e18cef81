// Slot copy across all layers in one launch: the per-layer pointers travel in the kernel's
// parameters (no device-side pointer array to upload), grid.y walks layers x {K, V}.
#include "kernels/cuda/element.cuh"

namespace ec::kernels::cuda {

namespace {

constexpr int kThreads = 256;

struct LayerPointers
{
    void *dst[2 * kMaxSlotLayers]; // K of layer l at 2l, V at 2l + 1
    const void *src[2 * kMaxSlotLayers];
};

template <typename T, int V>
__global__ void __launch_bounds__(kThreads) copySlotKernel(LayerPointers p, SlotCopyArgs a)
{
    const int rowPacks = a.headDim / V;
    const long long i = (long long)blockIdx.x * kThreads + threadIdx.x;
    if (i >= (long long)a.batch * a.heads * rowPacks)
        return;
    const size_t row = size_t(i / rowPacks); // b * H + h
    const int d = int(i % rowPacks) * V;
    const T *src = static_cast<const T *>(p.src[blockIdx.y]);
    T *dst = static_cast<T *>(p.dst[blockIdx.y]);
    *reinterpret_cast<Pack<T, V> *>(dst + (row * a.dstCapacity + a.dstSlot) * a.headDim + d) =
        *reinterpret_cast<const Pack<T, V> *>(src + (row * a.srcCapacity + a.srcSlot) * a.headDim +
                                              d);
}

template <typename T>
cudaError_t launchChunk(const SlotCopyArgs &a, int first, int count, cudaStream_t stream)
{
    LayerPointers p{};
    for (int l = 0; l < count; ++l) {
        p.dst[2 * l] = a.dstKeys[first + l];
        p.dst[2 * l + 1] = a.dstValues[first + l];
        p.src[2 * l] = a.srcKeys[first + l];
        p.src[2 * l + 1] = a.srcValues[first + l];
    }
    constexpr int kWide = 16 / sizeof(T);
    const bool wide = packWidth(sizeof(T), a.headDim, p.dst, 2 * count) == kWide &&
                      packWidth(sizeof(T), a.headDim, p.src, 2 * count) == kWide;
    const int v = wide ? kWide : 1;
    const long long items = (long long)a.batch * a.heads * (a.headDim / v);
    const dim3 grid(unsigned((items + kThreads - 1) / kThreads), 2 * count);
    if (wide)
        copySlotKernel<T, kWide><<<grid, kThreads, 0, stream>>>(p, a);
    else
        copySlotKernel<T, 1><<<grid, kThreads, 0, stream>>>(p, a);
    return cudaGetLastError();
}

} // namespace

cudaError_t copySlots(const SlotCopyArgs &a, cudaStream_t stream)
{
    if (a.layers < 0 || a.batch < 0 || a.heads <= 0 || a.headDim <= 0 || a.dstSlot < 0 ||
        a.dstSlot >= a.dstCapacity || a.srcSlot < 0 || a.srcSlot >= a.srcCapacity)
        return cudaErrorInvalidValue;
    if (cudaError_t e = cudaSetDevice(a.device); e != cudaSuccess)
        return e;
    if (a.layers == 0 || a.batch == 0)
        return cudaSuccess;
    for (int first = 0; first < a.layers; first += kMaxSlotLayers) {
        const int count = a.layers - first < kMaxSlotLayers ? a.layers - first : kMaxSlotLayers;
        cudaError_t e = withElementType(
            a.dtype, [&](auto tag) { return launchChunk<decltype(tag)>(a, first, count, stream); });
        if (e != cudaSuccess)
            return e;
    }
    return cudaSuccess;
}

} // namespace ec::kernels::cuda
