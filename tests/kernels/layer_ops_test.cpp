// The fused CPU layer ops against their definitions evaluated in float64 by ATen.
#include "kernels/layer_ops.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace ec;

TEST(LayerOps, RmsNormMatchesTheDefinitionInDouble)
{
    at::manual_seed(1);
    for (int64_t C : {7, 64, 2048}) {
        const auto x = at::randn({2, 3, C}) * 3, w = at::randn({C});
        const auto xd = x.to(at::kDouble);
        const auto want = w.to(at::kDouble) * xd * at::rsqrt(xd.pow(2).mean(-1, true) + 1e-5);
        const auto got = kernels::fusedRmsNorm(x, w, 1e-5);
        EXPECT_EQ(got.sizes(), x.sizes());
        EXPECT_TRUE(at::allclose(got.to(at::kDouble), want, 1e-6, 1e-6)) << "C = " << C;
    }
    // A strided input (a transposed view) reads the same numbers.
    const auto x = at::randn({4, 16}).t(), w = at::randn({4});
    EXPECT_TRUE(at::allclose(kernels::fusedRmsNorm(x, w, 1e-6),
                             kernels::fusedRmsNorm(x.contiguous(), w, 1e-6)));
    EXPECT_THROW(kernels::fusedRmsNorm(x, at::randn({5}), 1e-6), std::invalid_argument);
}

TEST(LayerOps, RotaryOnAStridedViewMatchesTheDefinition)
{
    at::manual_seed(2);
    const int64_t B = 2, T = 3, H = 4, D = 8;
    // As the decoder makes q: a [B, T, H, D] projection seen as [B, H, T, D].
    const auto x = at::randn({B, T, H, D}).transpose(1, 2);
    const auto angles = at::randn({T, D / 2});
    const auto emb = at::cat({angles, angles}, -1);
    const auto cos = emb.cos(), sin = emb.sin();
    const auto xd = x.to(at::kDouble);
    const auto rotated = at::cat({-xd.narrow(-1, D / 2, D / 2), xd.narrow(-1, 0, D / 2)}, -1);
    const auto want = xd * cos.to(at::kDouble) + rotated * sin.to(at::kDouble);
    const auto got = kernels::fusedRotary(x, cos, sin);
    EXPECT_TRUE(got.is_contiguous());
    EXPECT_EQ(got.sizes(), x.sizes());
    EXPECT_TRUE(at::allclose(got.to(at::kDouble), want, 1e-6, 1e-6));
    EXPECT_THROW(kernels::fusedRotary(x, cos.narrow(0, 0, 2), sin), std::invalid_argument);
}

TEST(LayerOps, StayOutOfTheWayOfAutograd)
{
    const auto x = at::randn({2, 8}), w = at::randn({8}).requires_grad_();
    EXPECT_TRUE(kernels::fusedLayerOpsApply(x, w.detach()));
    EXPECT_FALSE(kernels::fusedLayerOpsApply(x, w));
    EXPECT_FALSE(kernels::fusedLayerOpsApply(x.to(at::kBFloat16), w.detach()));
}
