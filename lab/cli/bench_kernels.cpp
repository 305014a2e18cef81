// elastic-lab bench kernels: achieved bandwidth (and GFLOP/s) of the cache kernels, each next to
// a plain copy_ of the same number of bytes timed in the same run on the same device.
#include "lab/cli/bench.h"
#include "engine/runtime.h"
#include "kernels/attention_stats.h"
#include "kernels/device_info.h"
#include "kernels/merge_compact.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <torch/cuda.h>
#include <torch/version.h>

namespace ec::cli {

namespace {

struct Setup
{
    at::Device device = at::kCPU;
    at::ScalarType dtype = at::kBFloat16;
    int reps = 3;
    bool cpuTime = false;
    bool cuda() const { return device.is_cuda(); }
};

struct Row
{
    Row(std::string name, int64_t b, int64_t t)
        : kernel(std::move(name))
        , batch(b)
        , tokens(t)
    {
    }
    std::string kernel;
    int64_t batch = 0, tokens = 0;
    double seconds = 0, bytes = 0, copySeconds = 0;
    double flops = 0;                 // 0: not a compute kernel
    std::optional<double> refSeconds; // the attention it accompanies
};

void sync(const Setup &s)
{
    if (s.cuda())
        torch::cuda::synchronize(s.device.index());
}

// Seconds per call after one warm-up: on CUDA the best mean of 3 batches of back-to-back calls
// (per-call syncs would swamp microsecond kernels), on the CPU the median single call (the
// machine may be shared, so single calls vary).
double processCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

template <typename F> double timeCalls(const Setup &s, F &&f)
{
    using Clock = std::chrono::steady_clock;
    f();
    sync(s);
    std::vector<double> times;
    const int batches = s.cuda() ? 3 : s.reps, perBatch = s.cuda() ? s.reps : 1;
    for (int i = 0; i < batches; ++i) {
        const auto t0 = Clock::now();
        const double c0 = processCpuSeconds();
        for (int j = 0; j < perBatch; ++j)
            f();
        sync(s);
        const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
        times.push_back((s.cpuTime ? processCpuSeconds() - c0 : wall) / perBatch);
    }
    std::sort(times.begin(), times.end());
    return s.cuda() ? times.front() : times[times.size() / 2];
}

// A device copy moving `traffic` bytes (half read, half written), the kernel's yardstick.
double copySeconds(const Setup &s, double traffic)
{
    const auto n = std::max<int64_t>(1, int64_t(traffic / 2));
    auto opts = at::TensorOptions().dtype(at::kByte).device(s.device);
    at::Tensor src = at::ones({n}, opts), dst = at::empty({n}, opts);
    return timeCalls(s, [&] { dst.copy_(src); });
}

at::Tensor causalLse(const at::Tensor &q, const at::Tensor &k, double scale)
{
    // One sequence at a time keeps the [H, T, T] scores to a few GB at 4,000 tokens.
    std::vector<at::Tensor> rows;
    const int64_t T = q.size(2);
    at::Tensor hidden = at::ones({T, T}, q.options().dtype(at::kBool)).triu(1);
    // Scores in the storage dtype (tensor cores / oneDNN), except f16 on a CPU, which torch 1.13
    // cannot multiply: this is only the bench's input, not timed.
    const bool cpuHalf = !q.is_cuda() && q.scalar_type() == at::kHalf;
    const at::ScalarType mm = cpuHalf ? at::kFloat : q.scalar_type();
    for (int64_t b = 0; b < q.size(0); ++b) {
        at::Tensor scores = at::matmul(q[b].to(mm), k[b].to(mm).transpose(-1, -2)).to(at::kFloat);
        scores.mul_(scale).masked_fill_(hidden, -INFINITY);
        rows.push_back(at::logsumexp(scores, -1));
    }
    return at::stack(rows);
}

at::Tensor causalAttention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v)
{
#if TORCH_VERSION_MAJOR >= 2
    return at::scaled_dot_product_attention(q, k, v, {}, 0.0, true);
#else
    return std::get<0>(at::_scaled_dot_product_attention(q, k, v, {}, 0.0, false, true));
#endif
}

Row importanceRow(const Setup &s, const KernelBenchOptions &o, int64_t B, int64_t T)
{
    auto opts = at::TensorOptions().dtype(s.dtype).device(s.device);
    at::Tensor q = at::randn({B, o.heads, T, o.headDim}, opts);
    at::Tensor k = at::randn({B, o.heads, T, o.headDim}, opts);
    at::Tensor v = at::randn({B, o.heads, T, o.headDim}, opts);
    const double scale = 1.0 / std::sqrt(double(o.headDim));
    at::Tensor lse = causalLse(q, k, scale);
    Row r("importance (from lse)", B, T);
    r.seconds = timeCalls(s, [&] { kernels::attentionColumnSumsFromLse(q, k, lse, scale); });
    r.bytes = double(q.nbytes() + k.nbytes() + lse.nbytes()) + 4.0 * B * T;
    r.flops = 2.0 * o.headDim * double(B) * o.heads * (double(T) * (T + 1) / 2);
    try {
        r.refSeconds = timeCalls(s, [&] { causalAttention(q, k, v); });
    } catch (const std::exception &) {
        // e.g. no f16 attention on this CPU build: report the kernel alone
    }
    r.copySeconds = copySeconds(s, r.bytes);
    return r;
}

Row mergeRow(const Setup &s, const KernelBenchOptions &o, int64_t B, int64_t T)
{
    auto opts = at::TensorOptions().dtype(s.dtype).device(s.device);
    at::Tensor keys = at::randn({B, o.heads, T, o.headDim}, opts);
    at::Tensor values = at::randn({B, o.heads, T, o.headDim}, opts);
    const int64_t M = std::max<int64_t>(1, int64_t(std::ceil(o.budget * double(T))));
    // Nearest-anchor buckets of evenly spaced anchors, as the Elastic policy makes them.
    at::Tensor assign = at::arange(T, at::kLong).mul(M).div(T, "floor").clamp_max(M - 1);
    assign = assign.unsqueeze(0).expand({B, T}).contiguous().to(s.device);
    Row r("merge-compact (budget " + std::to_string(o.budget).substr(0, 4) + ")", B, T);
    r.seconds = timeCalls(s, [&] { kernels::mergeCompact(keys, values, assign, M); });
    r.bytes = double(T + M) * B * o.heads * o.headDim * keys.element_size() * 2;
    r.copySeconds = copySeconds(s, r.bytes);
    return r;
}

std::vector<Row> slotRows(const Setup &s, const KernelBenchOptions &o, int64_t B, int64_t T)
{
    auto opts = at::TensorOptions().dtype(s.dtype).device(s.device);
    std::vector<at::Tensor> keys, values, newK, newV;
    for (int l = 0; l < o.layers; ++l) {
        keys.push_back(at::zeros({B, o.heads, T, o.headDim}, opts));
        values.push_back(at::zeros({B, o.heads, T, o.headDim}, opts));
        newK.push_back(at::randn({B, o.heads, 1, o.headDim}, opts));
        newV.push_back(at::randn({B, o.heads, 1, o.headDim}, opts));
    }
    const double bytes = 2.0 * o.layers * 2 * B * o.heads * o.headDim * keys[0].element_size();
    const double copy = copySeconds(s, bytes);
    const std::string layers = " (" + std::to_string(o.layers) + " layers)";
    Row write("slot write" + layers, B, T);
    write.seconds = timeCalls(s, [&] { kernels::writeSlot(keys, values, newK, newV, T - 1); });
    Row move("slot move" + layers, B, T);
    move.seconds = timeCalls(s, [&] { kernels::moveSlot(keys, values, T - 1, T / 2); });
    Row loop("slot write, per-layer copy_" + layers, B, T);
    loop.seconds = timeCalls(s, [&] {
        for (int l = 0; l < o.layers; ++l) {
            keys[l].select(2, T - 1).copy_(newK[l].select(2, 0));
            values[l].select(2, T - 1).copy_(newV[l].select(2, 0));
        }
    });
    for (Row *r : {&write, &move, &loop}) {
        r->bytes = bytes;
        r->copySeconds = copy;
    }
    return {write, move, loop};
}

void printRow(const Row &r)
{
    const double gbs = r.bytes / r.seconds / 1e9, copyGbs = r.bytes / r.copySeconds / 1e9;
    char line[512];
    std::snprintf(line, sizeof line, "| %s | %lld | %lld | %.3f | %.1f | %.1f | %.0f%% |",
                  r.kernel.c_str(), (long long)r.batch, (long long)r.tokens, r.seconds * 1e3, gbs,
                  copyGbs, 100.0 * gbs / copyGbs);
    std::cout << line;
    if (r.flops > 0)
        std::snprintf(line, sizeof line, " %.1f |", r.flops / r.seconds / 1e9);
    else
        std::snprintf(line, sizeof line, " |");
    std::cout << line;
    if (r.refSeconds)
        std::snprintf(line, sizeof line, " %.3f ms (%.2fx) |\n", *r.refSeconds * 1e3,
                      r.seconds / *r.refSeconds);
    else
        std::snprintf(line, sizeof line, " |\n");
    std::cout << line << std::flush;
}

std::optional<Setup> chooseSetup(const KernelBenchOptions &o)
{
    Setup s;
    const bool cudaUsable = at::hasCUDA() && torch::cuda::device_count() > 0;
    if (o.device == "cuda" && !cudaUsable) {
        std::cerr << "bench kernels: --device cuda, but the linked torch has no usable CUDA "
                     "device\n";
        return std::nullopt;
    }
    if (o.device == "cuda" || (o.device == "auto" && cudaUsable))
        s.device = at::Device(at::kCUDA, 0);
    const std::string dtype = o.dtype.empty() ? (s.cuda() ? "f16" : "bf16") : o.dtype;
    s.dtype = dtype == "f32" ? at::kFloat : dtype == "f16" ? at::kHalf : at::kBFloat16;
    s.reps = o.reps > 0 ? o.reps : (s.cuda() ? 20 : 3);
    s.cpuTime = o.cpuTime && !s.cuda();
    return s;
}

} // namespace

int runKernelBench(const KernelBenchOptions &o)
{
    engine::initRuntime(o.threads);
    const std::optional<Setup> setup = chooseSetup(o);
    if (!setup)
        return 2;
    const Setup &s = *setup;
    std::vector<int64_t> tokens = o.tokens, batches = o.batches;
    if (tokens.empty())
        tokens = s.cuda() ? (o.quick ? std::vector<int64_t>{600, 4000}
                                     : std::vector<int64_t>{600, 1000, 2000, 4000})
                          : (o.quick ? std::vector<int64_t>{600} : std::vector<int64_t>{600, 1000});
    if (batches.empty())
        batches = s.cuda()
                      ? (o.quick ? std::vector<int64_t>{1, 16} : std::vector<int64_t>{1, 4, 16})
                      : std::vector<int64_t>{1};

    const auto cuda = kernels::cudaDeviceInfo();
    std::cout << "device: " << (s.cuda() ? "cuda:0 " + cuda.deviceName : std::string("cpu"))
              << ", dtype " << at::toString(s.dtype) << ", torch " << TORCH_VERSION << ", "
              << at::get_num_threads() << " threads, " << s.reps << " reps"
              << (s.cpuTime ? ", process CPU time" : ", wall clock")
              << (s.cuda() ? (cuda.dispatch ? ", CUDA kernels" : ", NO CUDA kernels (ATen)") : "")
              << "\nshape: " << o.heads << " heads, head dim " << o.headDim
              << "; GB/s counts bytes read + written; copy = copy_ of the same bytes\n\n"
              << "| kernel | B | T | ms | GB/s | copy GB/s | % of copy | GFLOP/s | causal "
                 "attention |\n"
              << "|---|---|---|---|---|---|---|---|---|\n";
    try {
        for (int64_t B : batches) {
            for (int64_t T : tokens) {
                printRow(importanceRow(s, o, B, T));
                printRow(mergeRow(s, o, B, T));
                for (const Row &r : slotRows(s, o, B, T))
                    printRow(r);
            }
        }
    } catch (const std::exception &e) {
        std::cerr << "bench kernels: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

} // namespace ec::cli
