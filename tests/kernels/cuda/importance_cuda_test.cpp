#include "references.h"

#include <cmath>
#include <cstring>
#include <tuple>

namespace ec::kernels::test {

namespace {

struct ImportanceCase
{
    ImportanceShape shape;
    DType dtype;
    size_t misalign; // bytes of offset for q and k: forces the CUDA-core path for 16-bit types
};

std::string caseName(const ::testing::TestParamInfo<ImportanceCase> &info)
{
    const ImportanceShape &s = info.param.shape;
    return std::string(dtypeName(info.param.dtype)) + "_B" + std::to_string(s.batch) + "H" +
           std::to_string(s.heads) + "kv" + std::to_string(s.kvHeads) + "q" +
           std::to_string(s.queries) + "k" + std::to_string(s.keys) + "D" +
           std::to_string(s.headDim) + (info.param.misalign ? "_misaligned" : "");
}

// Runs the kernel; the result is downloaded into `out`.
void runImportance(const ImportanceCase &c, const std::vector<float> &q,
                   const std::vector<float> &k, const std::vector<float> &lse,
                   std::vector<float> &out)
{
    const ImportanceShape &s = c.shape;
    const auto qBytes = encode(q, c.dtype), kBytes = encode(k, c.dtype);
    DeviceBuffer dq(qBytes.size(), c.misalign), dk(kBytes.size(), c.misalign);
    DeviceBuffer dl(lse.size() * sizeof(float)), dout(size_t(s.batch) * s.keys * sizeof(float));
    dq.upload(qBytes.data(), qBytes.size());
    dk.upload(kBytes.data(), kBytes.size());
    dl.upload(lse.data(), lse.size() * sizeof(float));
    cuda::ImportanceArgs a;
    a.q = dq.get();
    a.k = dk.get();
    a.lse = static_cast<const float *>(dl.get());
    a.columnSums = static_cast<float *>(dout.get());
    a.batch = s.batch;
    a.heads = s.heads;
    a.kvHeads = s.kvHeads;
    a.queries = s.queries;
    a.keys = s.keys;
    a.headDim = s.headDim;
    a.scale = float(1.0 / std::sqrt(double(s.headDim)));
    a.dtype = c.dtype;
    DeviceBuffer ws(cuda::importanceWorkspaceBytes(a));
    checkCuda(cuda::importance(a, ws.get(), nullptr), "importance launch");
    checkCuda(cudaDeviceSynchronize(), "importance run");
    out.resize(size_t(s.batch) * s.keys);
    dout.download(out.data(), out.size() * sizeof(float));
}

class ImportanceCudaTest : public ::testing::TestWithParam<ImportanceCase>
{
};

TEST_P(ImportanceCudaTest, MatchesDoubleReferenceAndIsDeterministic)
{
    EC_REQUIRE_GPU();
    const ImportanceCase &c = GetParam();
    const ImportanceShape &s = c.shape;
    const auto q =
        roundTo(randomValues(size_t(s.batch) * s.heads * s.queries * s.headDim, 1, 1.5f), c.dtype);
    const auto k =
        roundTo(randomValues(size_t(s.batch) * s.kvHeads * s.keys * s.headDim, 2, 1.5f), c.dtype);
    const double scale = 1.0 / std::sqrt(double(s.headDim));
    const auto lse = referenceLse(q, k, s, double(float(scale)));
    const auto expect = referenceImportance(q, k, lse, s, double(float(scale)));
    std::vector<float> lseF(lse.begin(), lse.end());

    std::vector<float> got, again;
    runImportance(c, q, k, lseF, got);
    // Inputs are the same rounded values, so only fp32 accumulation separates the results.
    const double rtol = c.dtype == DType::F32 ? 1e-4 : 2e-4;
    double total = 0.0;
    for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], expect[i], 1e-5 + rtol * std::abs(expect[i])) << "key " << i;
        total += got[i];
    }
    // Every query's probabilities add up to one.
    EXPECT_NEAR(total, double(s.batch) * s.queries, 1e-3 * s.batch * s.queries);

    runImportance(c, q, k, lseF, again);
    EXPECT_EQ(0, std::memcmp(got.data(), again.data(), got.size() * sizeof(float)))
        << "two runs differ: the reduction is not deterministic";
}

std::vector<ImportanceCase> importanceCases()
{
    const ImportanceShape shapes[] = {
        {1, 4, 4, 9, 9, 16},      // one partial tile
        {2, 4, 2, 70, 75, 64},    // GQA, a cache prefix, tile edges
        {1, 8, 1, 1, 30, 128},    // decode-like: one query, MQA
        {3, 6, 3, 130, 130, 128}, // several tiles, causal skip
        {1, 8, 8, 300, 600, 128}, // LLaVA head dim, long prefix
        {2, 4, 4, 100, 150, 40},  // head dim not a multiple of the 64-wide chunk
        {1, 2, 2, 65, 129, 96},
        {1, 2, 2, 33, 33, 7},      // odd head dim: CUDA-core path for every dtype
        {2, 4, 4, 520, 1030, 128}, // streamed path: many query tiles through both stages
        {1, 6, 2, 200, 333, 64},   // streamed path at head dim 64, GQA, a prefix
    };
    std::vector<ImportanceCase> cases;
    for (const auto &s : shapes)
        for (DType t : {DType::F32, DType::F16, DType::BF16})
            cases.push_back({s, t, 0});
    cases.push_back({{2, 4, 2, 70, 75, 64}, DType::F16, 2});
    cases.push_back({{2, 4, 2, 70, 75, 64}, DType::BF16, 2});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Shapes, ImportanceCudaTest, ::testing::ValuesIn(importanceCases()),
                         caseName);

TEST(ImportanceCuda, RejectsBadShapes)
{
    EC_REQUIRE_GPU();
    cuda::ImportanceArgs a;
    a.batch = 1;
    a.heads = 3;
    a.kvHeads = 2; // not a divisor
    a.queries = 4;
    a.keys = 4;
    a.headDim = 8;
    EXPECT_EQ(cuda::importance(a, nullptr, nullptr), cudaErrorInvalidValue);
    a.kvHeads = 1;
    a.queries = 5; // more queries than keys
    EXPECT_EQ(cuda::importance(a, nullptr, nullptr), cudaErrorInvalidValue);
}

} // namespace

} // namespace ec::kernels::test
