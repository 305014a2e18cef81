// Process-wide compute setup for the engine: threads, and what this build can run on.
#pragma once

#include <string>

namespace ec::engine {

// Sets torch's intra-op threads (0 = $OMP_NUM_THREADS when set, else all hardware threads;
// torch defaults to 1 on small machines, build-notes G7). Safe to call more than once.
void initRuntime(int threads = 0);

struct RuntimeInfo
{
    std::string torchVersion;
    int threads = 0;
    bool torchCuda = false;        // the linked torch can run on CUDA
};

RuntimeInfo runtimeInfo();

} // namespace ec::engine
