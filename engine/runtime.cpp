#include "engine/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <cstdlib>
#include <thread>

namespace ec::engine {

void initRuntime(int threads)
{
    // OMP_NUM_THREADS, when set, wins over "all": on a busy machine every extra OpenMP thread
    // spins at each barrier while waiting for a descheduled peer (a 1M-parameter model decoded
    // ~50x slower with 2 threads than with 1 beside one busy core).
    if (threads <= 0) {
        const char *env = std::getenv("OMP_NUM_THREADS");
        threads = env ? std::atoi(env) : 0;
    }
    if (threads <= 0)
        threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (at::get_num_threads() != threads)
        at::set_num_threads(threads);
}

void fitThreadsToModel(int threads, int64_t weightBytesPerToken)
{
    if (threads > 0 || std::getenv("OMP_NUM_THREADS"))
        return;
    initRuntime(weightBytesPerToken < kOneThreadBelowBytes ? 1 : 0);
}

RuntimeInfo runtimeInfo()
{
    RuntimeInfo info;
    info.torchVersion = TORCH_VERSION;
    info.threads = at::get_num_threads();
    info.torchCuda = at::hasCUDA();
    return info;
}

} // namespace ec::engine
