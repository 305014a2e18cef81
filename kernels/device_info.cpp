#include "kernels/device_info.h"

#include "kernels/cuda_dispatch.h"

#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <link.h>

#ifdef EC_HAVE_CUDA_KERNELS
#include "kernels/cuda/device_query.h"
#endif

namespace ec::kernels {

CudaDeviceInfo cudaDeviceInfo()
{
    CudaDeviceInfo info;
    info.dispatch = detail::cudaDispatchCompiled();
#ifdef EC_HAVE_CUDA_KERNELS
    info.compiled = true;
    char error[256] = {0};
    info.deviceCount = cuda::deviceCount(error, sizeof error);
    if (info.deviceCount > 0) {
        char name[256] = {0};
        if (cuda::deviceName(0, name, sizeof name))
            info.deviceName = name;
    } else {
        info.error = error[0] ? error : "no CUDA device";
    }
#else
    info.error = "this build has no CUDA kernels (configure with nvcc on PATH)";
#endif
    return info;
}

namespace {

// Finds the loaded shared object whose file name starts with `prefix`.
std::string loadedLibraryPath(const char *prefix)
{
    struct Search
    {
        const char *prefix;
        std::string path;
    } search{prefix, {}};
    dl_iterate_phdr(
        [](dl_phdr_info *info, size_t, void *data) {
            auto *s = static_cast<Search *>(data);
            if (!info->dlpi_name || !*info->dlpi_name)
                return 0;
            std::string name = std::filesystem::path(info->dlpi_name).filename().string();
            if (name.rfind(s->prefix, 0) == 0) {
                s->path = info->dlpi_name;
                return 1;
            }
            return 0;
        },
        &search);
    return search.path;
}

} // namespace

std::string blasDescription()
{
    // OpenBLAS exports openblas_get_config, whichever soname it was loaded under.
    using ConfigFn = char *(*)();
    if (auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        std::string config = fn();
        return config.rfind("OpenBLAS", 0) == 0 ? config : "OpenBLAS " + config;
    }
    std::string path = loadedLibraryPath("libblas.so");
    if (path.empty())
        path = loadedLibraryPath("libmkl");
    if (path.empty())
        return "none loaded (torch may use its own kernels)";
    std::error_code ec;
    auto real = std::filesystem::canonical(path, ec);
    std::string resolved = ec ? path : real.string();
    if (resolved.find("openblas") != std::string::npos)
        return "OpenBLAS (" + resolved + ")";
    return "reference BLAS (" + resolved +
           ") - slow: install libopenblas0-openmp (packaging/install-deps.sh)";
}

} // namespace ec::kernels
