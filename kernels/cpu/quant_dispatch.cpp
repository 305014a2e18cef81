// Which kernel table this CPU runs. Built without SIMD flags so the CPU check itself runs
// anywhere.
#include "kernels/cpu/quant_kernels.h"

#include <cstdlib>
#include <string_view>

namespace ec::kernels::cpu {

#ifdef EC_HAVE_AVX2_KERNELS
const GemvKernels &avx2KernelTable(); // quant_avx2.cpp

const GemvKernels *avx2Kernels()
{
    static const bool supported = __builtin_cpu_supports("avx2") &&
                                  __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    return supported ? &avx2KernelTable() : nullptr;
}
#else
const GemvKernels *avx2Kernels()
{
    return nullptr; // not an x86-64 build
}
#endif

const GemvKernels &bestKernels()
{
    static const GemvKernels &k = []() -> const GemvKernels & {
        const char *force = std::getenv("EC_CPU_KERNELS");
        if (force && std::string_view(force) == "scalar")
            return scalarKernels();
        const GemvKernels *avx2 = avx2Kernels();
        return avx2 ? *avx2 : scalarKernels();
    }();
    return k;
}

} // namespace ec::kernels::cpu
