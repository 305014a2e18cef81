// bench_kernels_cuda: the raw kernels timed with CUDA events next to a cudaMemcpyAsync of the
// same bytes, at LLaVA-1.5-7B shapes (32 layers, 32 heads, head dim 128), f16. No torch: it runs
// where the torch build does not (lab/scripts/gpu-check.sh), without the attention reference that
// `elastic-lab bench kernels` adds. Usage: bench_kernels_cuda [--quick]
#include "kernels/cuda/cache_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

namespace {

using namespace ec::kernels::cuda;

constexpr int kLayers = 32, kHeads = 32, kDim = 128, kReps = 20;

bool ok(cudaError_t e, const char *what)
{
    if (e != cudaSuccess)
        std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e));
    return e == cudaSuccess;
}

void *deviceZeros(size_t bytes)
{
    void *p = nullptr;
    if (!ok(cudaMalloc(&p, bytes), "cudaMalloc") || !ok(cudaMemset(p, 0, bytes), "cudaMemset"))
        return nullptr;
    return p;
}

// Milliseconds per call: the best of 3 batches of kReps back-to-back calls.
double timeMs(const std::function<void()> &f)
{
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    f();
    cudaDeviceSynchronize();
    float best = 1e30f;
    for (int batch = 0; batch < 3; ++batch) {
        cudaEventRecord(start);
        for (int i = 0; i < kReps; ++i)
            f();
        cudaEventRecord(stop);
        cudaEventSynchronize(stop);
        float ms = 0;
        cudaEventElapsedTime(&ms, start, stop);
        best = std::min(best, ms / kReps);
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return best;
}

// A copy moving `traffic` bytes (half read, half written).
double copyMs(double traffic)
{
    const size_t n = size_t(traffic / 2) + 16;
    void *a = deviceZeros(n), *b = deviceZeros(n);
    const double ms = timeMs([&] { cudaMemcpyAsync(b, a, n, cudaMemcpyDeviceToDevice); });
    cudaFree(a);
    cudaFree(b);
    return ms;
}

void row(const char *kernel, int B, int T, double ms, double traffic, double flops = 0)
{
    const double copy = copyMs(traffic), gbs = traffic / ms / 1e6, copyGbs = traffic / copy / 1e6;
    std::printf("| %s | %d | %d | %.3f | %.0f | %.0f | %.0f%% |", kernel, B, T, ms, gbs, copyGbs,
                100.0 * gbs / copyGbs);
    if (flops > 0)
        std::printf(" %.1f |\n", flops / ms / 1e9);
    else
        std::printf(" |\n");
    std::fflush(stdout);
}

void benchCase(int B, int T)
{
    const size_t layer = size_t(B) * kHeads * T * kDim * 2; // f16 bytes of one [B, H, T, D]
    // Importance (prefill: Tq = Tk = T).
    {
        ImportanceArgs a;
        a.q = deviceZeros(layer);
        a.k = deviceZeros(layer);
        a.lse = static_cast<float *>(deviceZeros(size_t(B) * kHeads * T * 4));
        a.columnSums = static_cast<float *>(deviceZeros(size_t(B) * T * 4));
        a.batch = B, a.heads = kHeads, a.kvHeads = kHeads, a.queries = T, a.keys = T;
        a.headDim = kDim, a.scale = 1.0f / std::sqrt(float(kDim)), a.dtype = DType::F16;
        void *ws = deviceZeros(importanceWorkspaceBytes(a));
        const double ms = timeMs([&] { importance(a, ws, nullptr); });
        const double flops = 2.0 * kDim * double(B) * kHeads * (double(T) * (T + 1) / 2);
        row("importance", B, T, ms, 2.0 * layer + B * kHeads * T * 4.0 + B * T * 4.0, flops);
        for (const void *p :
             {a.q, a.k, (const void *)a.lse, (const void *)a.columnSums, (const void *)ws})
            cudaFree(const_cast<void *>(p));
    }
    // Merge-compact at budget 0.2 with nearest-anchor buckets.
    {
        const int M = int(std::ceil(0.2 * T));
        std::vector<int64_t> assign(size_t(B) * T);
        for (int b = 0; b < B; ++b)
            for (int s = 0; s < T; ++s)
                assign[size_t(b) * T + s] = std::min<int64_t>(M - 1, int64_t(s) * M / T);
        MergeArgs a;
        a.keys = deviceZeros(layer);
        a.values = deviceZeros(layer);
        void *dAssign = deviceZeros(assign.size() * 8);
        cudaMemcpy(dAssign, assign.data(), assign.size() * 8, cudaMemcpyHostToDevice);
        a.assign = static_cast<const int64_t *>(dAssign);
        a.batch = B, a.heads = kHeads, a.capacity = T, a.headDim = kDim, a.liveSlots = T;
        a.outSlots = M, a.dtype = DType::F16;
        void *ws = deviceZeros(mergeCompactWorkspaceBytes(a));
        const double ms = timeMs([&] { mergeCompact(a, ws, nullptr); });
        row("merge-compact (0.2)", B, T, ms, double(T + M) * B * kHeads * kDim * 2 * 2);
        for (void *p : {a.keys, a.values, dAssign, ws})
            cudaFree(p);
    }
    // Slot write of a new token into all layers.
    {
        std::vector<void *> dk(kLayers), dv(kLayers);
        std::vector<const void *> nk(kLayers), nv(kLayers);
        const size_t token = size_t(B) * kHeads * kDim * 2;
        for (int l = 0; l < kLayers; ++l) {
            dk[l] = deviceZeros(layer), dv[l] = deviceZeros(layer);
            nk[l] = deviceZeros(token), nv[l] = deviceZeros(token);
        }
        SlotCopyArgs a;
        a.layers = kLayers, a.dstKeys = dk.data(), a.dstValues = dv.data();
        a.srcKeys = nk.data(), a.srcValues = nv.data();
        a.batch = B, a.heads = kHeads, a.headDim = kDim, a.dstCapacity = T, a.srcCapacity = 1;
        a.dstSlot = T - 1, a.srcSlot = 0, a.dtype = DType::F16;
        const double ms = timeMs([&] { copySlots(a, nullptr); });
        row("slot write (32 layers)", B, T, ms, 2.0 * kLayers * 2 * token);
        for (int l = 0; l < kLayers; ++l) {
            cudaFree(dk[l]), cudaFree(dv[l]);
            cudaFree(const_cast<void *>(nk[l])), cudaFree(const_cast<void *>(nv[l]));
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        std::printf("no CUDA device: nothing to measure\n");
        return 0;
    }
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, 0);
    std::printf("device: %s, f16, raw kernels (no torch); GB/s counts bytes read + written; "
                "copy = cudaMemcpyAsync of the same bytes\n\n"
                "| kernel | B | T | ms | GB/s | copy GB/s | %% of copy | GFLOP/s |\n"
                "|---|---|---|---|---|---|---|---|\n",
                prop.name);
    const std::vector<int> batches = quick ? std::vector<int>{1} : std::vector<int>{1, 4, 16};
    const std::vector<int> tokens =
        quick ? std::vector<int>{600} : std::vector<int>{600, 1000, 2000, 4000};
    for (int B : batches)
        for (int T : tokens)
            benchCase(B, T);
    return ok(cudaGetLastError(), "last error") ? 0 : 1;
}
