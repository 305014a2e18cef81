// Plain C++ references and device helpers for the CUDA kernel tests (no torch).
#pragma once

#include "kernels/cuda/cache_kernels.h"

#include <cstdint>
#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

namespace ec::kernels::test {

using cuda::DType;

// Number of CUDA devices, with the runtime's reason in `why` when there is none.
int gpuCount(std::string *why);

#define EC_REQUIRE_GPU()                                                                           \
    do {                                                                                           \
        std::string why_;                                                                          \
        if (::ec::kernels::test::gpuCount(&why_) == 0)                                             \
            GTEST_SKIP() << "no CUDA device: " << why_;                                            \
    } while (0)

const char *dtypeName(DType dtype);
// Relative tolerance for results stored in `dtype` (about one rounding of that type).
double tolerance(DType dtype);

// Host values rounded to `dtype` and their encoding (2 or 4 bytes each).
std::vector<float> roundTo(const std::vector<float> &x, DType dtype);
std::vector<uint8_t> encode(const std::vector<float> &x, DType dtype);
std::vector<float> decode(const std::vector<uint8_t> &bytes, DType dtype);

std::vector<float> randomValues(size_t n, uint32_t seed, float scale = 1.0f);

// Device memory freed on scope exit; `offset` bytes of slack in front to test misaligned data.
class DeviceBuffer
{
public:
    explicit DeviceBuffer(size_t bytes, size_t offset = 0);
    ~DeviceBuffer();
    DeviceBuffer(const DeviceBuffer &) = delete;
    DeviceBuffer &operator=(const DeviceBuffer &) = delete;

    void *get() const { return static_cast<char *>(base_) + offset_; }
    void upload(const void *src, size_t bytes);
    void download(void *dst, size_t bytes) const;

private:
    void *base_ = nullptr;
    size_t offset_ = 0;
};

void checkCuda(cudaError_t status, const char *what);

// columnSums[b, n] in double from rounded inputs; lse[b, h, m] is returned too.
struct ImportanceShape
{
    int batch, heads, kvHeads, queries, keys, headDim;
};
std::vector<double> referenceLse(const std::vector<float> &q, const std::vector<float> &k,
                                 const ImportanceShape &s, double scale);
std::vector<double> referenceImportance(const std::vector<float> &q, const std::vector<float> &k,
                                        const std::vector<double> &lse, const ImportanceShape &s,
                                        double scale);

// Merge-compact of [B, H, C, D] storage, out of place, sums in float in slot order.
std::vector<float> referenceMerge(const std::vector<float> &storage,
                                  const std::vector<int64_t> &assign, int B, int H, int C, int D,
                                  int S, int M, DType dtype);

} // namespace ec::kernels::test
