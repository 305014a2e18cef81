// Process-wide compute setup for the engine: threads, and what this build can run on.
#pragma once

#include <cstdint>
#include <string>

namespace ec::engine {

// Sets torch's intra-op threads (0 = $OMP_NUM_THREADS when set, else all hardware threads;
// torch defaults to 1 on small machines, build-notes G7). Safe to call more than once.
void initRuntime(int threads = 0);

// Below this many weight bytes per decode step a model runs on one thread by default: its step
// takes about a millisecond, less than what OpenMP's fork and barriers cost with a second core
// that is busy elsewhere (the demo model: 1.7 ms a token on one thread, 158 ms on two beside a
// busy process). docs/cpu.md has the measurements.
constexpr int64_t kOneThreadBelowBytes = 32'000'000;

// The default once the model is known: when `threads` is 0 and OMP_NUM_THREADS is unset,
// one thread for a model under kOneThreadBelowBytes, else every hardware thread. An explicit
// `threads` (or OMP_NUM_THREADS) is kept as initRuntime set it.
void fitThreadsToModel(int threads, int64_t weightBytesPerToken);

struct RuntimeInfo
{
    std::string torchVersion;
    int threads = 0;
    bool torchCuda = false;        // the linked torch can run on CUDA
};

RuntimeInfo runtimeInfo();

} // namespace ec::engine
