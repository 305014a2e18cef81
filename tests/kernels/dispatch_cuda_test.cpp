// The public kernel functions on CUDA tensors against their CPU versions (torch with CUDA only).
#include "kernels/attention_stats.h"
#include "kernels/device_info.h"
#include "kernels/merge_compact.h"

#include <ATen/ATen.h>
#include <cmath>
#include <gtest/gtest.h>

namespace {

#define REQUIRE_CUDA_DISPATCH()                                                                    \
    do {                                                                                           \
        if (!at::hasCUDA())                                                                        \
            GTEST_SKIP() << "the linked torch has no CUDA device";                                 \
        if (!ec::kernels::cudaDeviceInfo().dispatch)                                               \
            GTEST_SKIP() << "this build does not route CUDA tensors to the kernels";               \
    } while (0)

const at::Device kCuda(at::kCUDA, 0);

class DispatchDtypeTest : public ::testing::TestWithParam<at::ScalarType>
{
};

TEST_P(DispatchDtypeTest, ColumnSumsFromLseMatchCpu)
{
    REQUIRE_CUDA_DISPATCH();
    at::manual_seed(1);
    const int64_t B = 2, H = 8, Hkv = 4, Tq = 150, Tk = 200, D = 128;
    at::Tensor q = at::randn({B, H, Tq, D}).to(GetParam());
    at::Tensor k = at::randn({B, Hkv, Tk, D}).to(GetParam());
    const double scale = 1.0 / std::sqrt(double(D));
    at::Tensor kr = k.to(at::kFloat).repeat_interleave(H / Hkv, 1);
    at::Tensor scores = at::matmul(q.to(at::kFloat), kr.transpose(-1, -2)) * scale;
    scores.masked_fill_(at::ones({Tq, Tk}, at::kBool).triu(Tk - Tq + 1), -INFINITY);
    at::Tensor lse = at::logsumexp(scores, -1);

    at::Tensor cpu = ec::kernels::attentionColumnSumsFromLse(q, k, lse, scale);
    at::Tensor gpu =
        ec::kernels::attentionColumnSumsFromLse(q.to(kCuda), k.to(kCuda), lse.to(kCuda), scale);
    ASSERT_TRUE(gpu.is_cuda());
    EXPECT_TRUE(at::allclose(gpu.cpu(), cpu, 2e-4, 1e-4));
}

// A decode step as the engine runs it: one query per sequence, GQA, K and V views of a cache
// longer than the keys in use. f16/bf16 go through flash attention and the importance kernel,
// f32 through the fp32 chunks; the CPU reference sees the same values in f32.
TEST_P(DispatchDtypeTest, DecodeAttentionWithColumnSumsMatchesCpu)
{
    REQUIRE_CUDA_DISPATCH();
    at::manual_seed(4);
    const int64_t B = 2, H = 8, Hkv = 4, Tk = 300, capacity = 320, D = 128;
    at::Tensor q = at::randn({B, H, 1, D}).to(GetParam());
    at::Tensor kCache = at::randn({B, Hkv, capacity, D}).to(GetParam());
    at::Tensor vCache = at::randn({B, Hkv, capacity, D}).to(GetParam());
    const double scale = 1.0 / std::sqrt(double(D));
    auto cpu = ec::kernels::attentionWithColumnSums(q.to(at::kFloat),
                                                    kCache.narrow(2, 0, Tk).to(at::kFloat),
                                                    vCache.narrow(2, 0, Tk).to(at::kFloat), scale);
    auto gpu = ec::kernels::attentionWithColumnSums(q.to(kCuda), kCache.to(kCuda).narrow(2, 0, Tk),
                                                    vCache.to(kCuda).narrow(2, 0, Tk), scale);
    ASSERT_TRUE(gpu.output.is_cuda());
    EXPECT_EQ(gpu.output.scalar_type(), GetParam());
    EXPECT_EQ(gpu.output.sizes(), cpu.output.sizes());
    // Outputs are rounded to the dtype (bf16: 2^-8 relative); the column sums stay fp32.
    const double outTol = GetParam() == at::kFloat ? 1e-5 : 1e-2;
    EXPECT_TRUE(at::allclose(gpu.output.cpu().to(at::kFloat), cpu.output, outTol, outTol));
    EXPECT_TRUE(at::allclose(gpu.columnSums.cpu(), cpu.columnSums, 1e-3, 1e-6));
    EXPECT_NEAR(gpu.columnSums.sum().item<double>(), double(B), 1e-3); // each row sums to 1
}

TEST_P(DispatchDtypeTest, MergeCompactIsBitIdenticalToCpu)
{
    REQUIRE_CUDA_DISPATCH();
    at::manual_seed(2);
    const int64_t B = 3, H = 4, C = 300, D = 128, S = 280, M = 56;
    at::Tensor keys = at::randn({B, H, C, D}).to(GetParam());
    at::Tensor values = at::randn({B, H, C, D}).to(GetParam());
    at::Tensor assign = at::randint(-1, M, {B, S}, at::kLong);
    at::Tensor gk = keys.to(kCuda), gv = values.to(kCuda);
    ec::kernels::mergeCompact(keys, values, assign, M);
    ec::kernels::mergeCompact(gk, gv, assign.to(kCuda), M);
    EXPECT_TRUE(at::equal(gk.cpu(), keys));
    EXPECT_TRUE(at::equal(gv.cpu(), values));
}

TEST_P(DispatchDtypeTest, SlotWriteAndMoveMatchCpu)
{
    REQUIRE_CUDA_DISPATCH();
    at::manual_seed(3);
    std::vector<at::Tensor> k, v, nk, nv, gk, gv, gnk, gnv;
    for (int l = 0; l < 32; ++l) {
        k.push_back(at::randn({2, 8, 40, 128}).to(GetParam()));
        v.push_back(at::randn({2, 8, 40, 128}).to(GetParam()));
        nk.push_back(at::randn({2, 8, 1, 128}).to(GetParam()));
        nv.push_back(at::randn({2, 8, 1, 128}).to(GetParam()));
        gk.push_back(k.back().to(kCuda));
        gv.push_back(v.back().to(kCuda));
        gnk.push_back(nk.back().to(kCuda));
        gnv.push_back(nv.back().to(kCuda));
    }
    ec::kernels::writeSlot(k, v, nk, nv, 39);
    ec::kernels::writeSlot(gk, gv, gnk, gnv, 39);
    ec::kernels::moveSlot(k, v, 39, 12);
    ec::kernels::moveSlot(gk, gv, 39, 12);
    for (int l = 0; l < 32; ++l) {
        EXPECT_TRUE(at::equal(gk[l].cpu(), k[l])) << "layer " << l;
        EXPECT_TRUE(at::equal(gv[l].cpu(), v[l])) << "layer " << l;
    }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, DispatchDtypeTest,
                         ::testing::Values(at::kFloat, at::kHalf, at::kBFloat16));

TEST(Dispatch, CudaMergeRejectsWhatTheCpuRejects)
{
    REQUIRE_CUDA_DISPATCH();
    at::Tensor keys = at::zeros({1, 2, 8, 4}, at::TensorOptions().device(kCuda));
    at::Tensor values = keys.clone();
    at::Tensor tooBig = at::full({1, 8}, 5, at::TensorOptions().dtype(at::kLong).device(kCuda));
    EXPECT_THROW(ec::kernels::mergeCompact(keys, values, tooBig, 3), std::invalid_argument);
    at::Tensor strided = keys.transpose(1, 2).contiguous().transpose(1, 2);
    EXPECT_THROW(ec::kernels::mergeCompact(strided, values, tooBig.clamp_max(2), 3),
                 std::invalid_argument);
}

} // namespace
