#include "references.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>
#include <limits>

namespace ec::kernels::test {

int gpuCount(std::string *why)
{
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        *why = cudaGetErrorString(status);
        cudaGetLastError();
        return 0;
    }
    if (count == 0)
        *why = "cudaGetDeviceCount returned 0";
    return count;
}

const char *dtypeName(DType dtype)
{
    return dtype == DType::F32 ? "f32" : dtype == DType::F16 ? "f16" : "bf16";
}

double tolerance(DType dtype)
{
    return dtype == DType::F32 ? 1e-5 : dtype == DType::F16 ? 1e-3 : 8e-3;
}

std::vector<uint8_t> encode(const std::vector<float> &x, DType dtype)
{
    const size_t size = size_t(cuda::elementBytes(dtype));
    std::vector<uint8_t> out(x.size() * size);
    for (size_t i = 0; i < x.size(); ++i) {
        if (dtype == DType::F32) {
            std::memcpy(&out[i * size], &x[i], size);
        } else if (dtype == DType::F16) {
            const __half h = __float2half_rn(x[i]);
            std::memcpy(&out[i * size], &h, size);
        } else {
            const __nv_bfloat16 h = __float2bfloat16_rn(x[i]);
            std::memcpy(&out[i * size], &h, size);
        }
    }
    return out;
}

std::vector<float> decode(const std::vector<uint8_t> &bytes, DType dtype)
{
    const size_t size = size_t(cuda::elementBytes(dtype));
    std::vector<float> out(bytes.size() / size);
    for (size_t i = 0; i < out.size(); ++i) {
        if (dtype == DType::F32) {
            std::memcpy(&out[i], &bytes[i * size], size);
        } else if (dtype == DType::F16) {
            __half h;
            std::memcpy(&h, &bytes[i * size], size);
            out[i] = __half2float(h);
        } else {
            __nv_bfloat16 h;
            std::memcpy(&h, &bytes[i * size], size);
            out[i] = __bfloat162float(h);
        }
    }
    return out;
}

std::vector<float> roundTo(const std::vector<float> &x, DType dtype)
{
    return decode(encode(x, dtype), dtype);
}

std::vector<float> randomValues(size_t n, uint32_t seed, float scale)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> out(n);
    for (float &v : out)
        v = normal(rng);
    return out;
}

void checkCuda(cudaError_t status, const char *what)
{
    ASSERT_EQ(status, cudaSuccess) << what << ": " << cudaGetErrorString(status);
}

DeviceBuffer::DeviceBuffer(size_t bytes, size_t offset)
    : offset_(offset)
{
    if (cudaMalloc(&base_, bytes + offset + 1) != cudaSuccess)
        base_ = nullptr;
    EXPECT_NE(base_, nullptr) << "cudaMalloc of " << bytes << " bytes failed";
}

DeviceBuffer::~DeviceBuffer()
{
    if (base_)
        cudaFree(base_);
}

void DeviceBuffer::upload(const void *src, size_t bytes)
{
    checkCuda(cudaMemcpy(get(), src, bytes, cudaMemcpyHostToDevice), "upload");
}

void DeviceBuffer::download(void *dst, size_t bytes) const
{
    checkCuda(cudaMemcpy(dst, get(), bytes, cudaMemcpyDeviceToHost), "download");
}

namespace {

double score(const std::vector<float> &q, const std::vector<float> &k, const ImportanceShape &s,
             int b, int h, int m, int n, double scale)
{
    const int g = h / (s.heads / s.kvHeads);
    const float *qr = &q[((size_t(b) * s.heads + h) * s.queries + m) * s.headDim];
    const float *kr = &k[((size_t(b) * s.kvHeads + g) * s.keys + n) * s.headDim];
    double dot = 0.0;
    for (int d = 0; d < s.headDim; ++d)
        dot += double(qr[d]) * double(kr[d]);
    return dot * scale;
}

} // namespace

std::vector<double> referenceLse(const std::vector<float> &q, const std::vector<float> &k,
                                 const ImportanceShape &s, double scale)
{
    std::vector<double> lse(size_t(s.batch) * s.heads * s.queries);
    const int prefix = s.keys - s.queries;
    for (int b = 0; b < s.batch; ++b)
        for (int h = 0; h < s.heads; ++h)
            for (int m = 0; m < s.queries; ++m) {
                double top = -std::numeric_limits<double>::infinity(), sum = 0.0;
                std::vector<double> row(prefix + m + 1);
                for (int n = 0; n <= prefix + m; ++n)
                    top = std::max(top, row[n] = score(q, k, s, b, h, m, n, scale));
                for (double v : row)
                    sum += std::exp(v - top);
                lse[(size_t(b) * s.heads + h) * s.queries + m] = top + std::log(sum);
            }
    return lse;
}

std::vector<double> referenceImportance(const std::vector<float> &q, const std::vector<float> &k,
                                        const std::vector<double> &lse, const ImportanceShape &s,
                                        double scale)
{
    std::vector<double> cols(size_t(s.batch) * s.keys, 0.0);
    const int prefix = s.keys - s.queries;
    for (int b = 0; b < s.batch; ++b)
        for (int h = 0; h < s.heads; ++h)
            for (int m = 0; m < s.queries; ++m) {
                const double l = lse[(size_t(b) * s.heads + h) * s.queries + m];
                for (int n = 0; n <= prefix + m; ++n)
                    cols[size_t(b) * s.keys + n] += std::exp(score(q, k, s, b, h, m, n, scale) - l);
            }
    for (double &c : cols)
        c /= s.heads;
    return cols;
}

std::vector<float> referenceMerge(const std::vector<float> &storage,
                                  const std::vector<int64_t> &assign, int B, int H, int C, int D,
                                  int S, int M, DType dtype)
{
    std::vector<float> out = storage;
    for (int b = 0; b < B; ++b)
        for (int m = 0; m < M; ++m) {
            std::vector<int> sources;
            for (int s = 0; s < S; ++s)
                if (assign[size_t(b) * S + s] == m)
                    sources.push_back(s);
            if (sources.empty())
                continue;
            for (int h = 0; h < H; ++h)
                for (int d = 0; d < D; ++d) {
                    float sum = 0.0f;
                    for (int s : sources)
                        sum += storage[((size_t(b) * H + h) * C + s) * D + d];
                    out[((size_t(b) * H + h) * C + m) * D + d] = sum / float(sources.size());
                }
        }
    return roundTo(out, dtype);
}

} // namespace ec::kernels::test
