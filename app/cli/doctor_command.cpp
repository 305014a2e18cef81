// elastic-cli doctor: what this build has and what this machine gives it.
#include "app/cli/commands.h"
#include "app/paths.h"
#include "ec_build_info.h"
#include "engine/runtime.h"
#include "kernels/device_info.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <thread>

#if EC_WITH_UI
#include <QtCore/QtGlobal>
#endif
#ifdef EC_HAVE_OPENCV
#include <opencv2/core/version.hpp>
#endif

namespace ec::cli {

namespace {

void printDoctor()
{
    engine::initRuntime();
    auto rt = engine::runtimeInfo();
    auto cuda = kernels::cudaDeviceInfo();
    std::cout << "elastic-cli " << EC_VERSION_STRING << "\n"
              << "torch:        " << rt.torchVersion << "\n"
              << "torch CUDA:   " << (rt.torchCuda ? "yes" : "no") << "\n"
              << "CUDA kernels: "
              << (cuda.compiled ? (cuda.deviceCount > 0 ? "yes, " + std::to_string(cuda.deviceCount) +
                                                              " device(s), " + cuda.deviceName
                                                        : "compiled, no device (" + cuda.error + ")")
                                : "not compiled")
              << "\n"
              << "threads:      " << rt.threads << " of " << std::thread::hardware_concurrency()
              << " hardware threads\n"
              << "BLAS:         " << kernels::blasDescription() << "\n"
#if EC_WITH_UI
              << "Qt:           " << qVersion() << "\n"
#else
              << "Qt:           not built (EC_WITH_UI=OFF)\n"
#endif
#ifdef EC_HAVE_OPENCV
              << "OpenCV:       " << CV_VERSION << "\n"
#else
              << "OpenCV:       not built (EC_WITH_OPENCV=OFF)\n"
#endif
              << "data folder:  " << app::dataDirectory().string() << "\n"
              << "resources:    " << app::resourcesDirectory().string() << "\n";
}

} // namespace

void addDoctorCommand(CLI::App &app)
{
    auto *cmd = app.add_subcommand("doctor", "Show what this build has: torch, CUDA, threads, BLAS, "
                                             "Qt and OpenCV versions");
    cmd->callback(printDoctor);
}

} // namespace ec::cli
