// elastic-lab bench linear: the CPU matrix products of one decoder layer in each weight format,
// for a decode step (1 row) and a prefill (many rows), next to a copy_ of the weight's bytes
// in the same run: how close the decode path comes to the memory bandwidth.
#include "lab/cli/bench.h"
#include "engine/runtime.h"
#include "kernels/cpu/quant_kernels.h"
#include "kernels/packed_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace ec::cli {

namespace {

template <class F>
double medianSeconds(int reps, F &&f)
{
    f(); // warm-up
    std::vector<double> s;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(s.begin(), s.end());
    return s[s.size() / 2];
}

} // namespace

int runLinearBench(const LinearBenchOptions &o)
{
    engine::initRuntime(o.threads);
    std::printf("cpu kernels: %s, %d threads; weights [%lld, %lld] (x%d matrices, as one layer's "
                "MLP); GB/s = weight bytes / time\n\n",
                kernels::cpu::bestKernels().name, at::get_num_threads(), (long long)o.rows,
                (long long)o.cols, o.matrices);
    std::printf("| weights | MB | rows of x | ms | weight GB/s | GFLOP/s | copy GB/s |\n"
                "|---|---:|---:|---:|---:|---:|---:|\n");
    at::manual_seed(1);
    // Several matrices, so one pass does not sit in the last-level cache.
    std::vector<at::Tensor> raw;
    for (int i = 0; i < o.matrices; ++i)
        raw.push_back(at::randn({o.rows, o.cols}) * 0.02);
    for (const auto &name : o.formats) {
        const auto format = kernels::parseWeightFormat(name);
        if (!format) {
            std::fprintf(stderr, "bench linear: unknown format '%s'\n", name.c_str());
            return 2;
        }
        std::vector<kernels::PackedLinear> packed;
        int64_t bytes = 0;
        for (const auto &w : raw) {
            packed.push_back(kernels::PackedLinear::pack(w, *format));
            bytes += packed.back().bytes();
        }
        // A copy of the same bytes: what the memory system gives a plain stream here, now.
        at::Tensor src = at::empty({bytes}, at::kByte).fill_(1), dst = at::empty_like(src);
        const double copy = medianSeconds(o.reps, [&] { dst.copy_(src); });
        for (int64_t m : o.tokens) {
            const at::Tensor x = at::randn({1, m, o.cols});
            const double t = medianSeconds(o.reps, [&] {
                for (const auto &p : packed)
                    (void)kernels::linear(x, p);
            });
            const double flops = 2.0 * double(m) * double(o.rows) * double(o.cols) * o.matrices;
            std::printf("| %s | %.1f | %lld | %.3f | %.1f | %.1f | %.1f |\n", name.c_str(),
                        double(bytes) / 1e6, (long long)m, t * 1e3, double(bytes) / t / 1e9,
                        flops / t / 1e9, 2.0 * double(bytes) / copy / 1e9);
            std::fflush(stdout);
        }
    }
    return 0;
}

} // namespace ec::cli
