#include "kernels/merge_compact.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <tuple>

namespace {

// Plain ATen reference, one bucket at a time: mean of the masked slots, computed out of place.
at::Tensor referenceMerge(const at::Tensor &storage, const at::Tensor &assign, int64_t outSlots)
{
    at::Tensor out = storage.clone();
    const int64_t S = assign.size(1);
    for (int64_t b = 0; b < storage.size(0); ++b) {
        for (int64_t m = 0; m < outSlots; ++m) {
            at::Tensor mask = assign[b].eq(m);
            if (!mask.any().item<bool>())
                continue;
            at::Tensor live = storage[b].narrow(1, 0, S).to(at::kFloat);
            at::Tensor picked = live.index({at::indexing::Slice(), mask});
            out[b].select(1, m).copy_(picked.mean(1).to(storage.scalar_type()));
        }
    }
    return out;
}

double tolerance(at::ScalarType t)
{
    return t == at::kFloat ? 1e-6 : t == at::kHalf ? 1e-3 : 8e-3;
}

// Nearest-anchor style assignment with some drops and a slot index in [0, outSlots) that merges
// elsewhere, so an in-place write in the wrong order would corrupt a later bucket.
at::Tensor makeAssign(int64_t B, int64_t S, int64_t M, uint64_t seed)
{
    at::manual_seed(seed);
    at::Tensor a = at::randint(-1, M, {B, S}, at::kLong);
    if (S > 2 && M > 2) {
        a.select(1, 0).fill_(M - 1); // slot 0 feeds the last bucket
        a.select(1, S - 1).fill_(0); // the last slot feeds bucket 0
    }
    return a;
}

class MergeCompactTest
    : public ::testing::TestWithParam<std::tuple<int, int, int, int, int, int, at::ScalarType>>
{
};

TEST_P(MergeCompactTest, MatchesBucketMeansOutOfPlace)
{
    auto [B, H, C, D, S, M, dtype] = GetParam();
    at::manual_seed(7 * C + S);
    at::Tensor keys = at::randn({B, H, C, D}).to(dtype);
    at::Tensor values = at::randn({B, H, C, D}).to(dtype);
    at::Tensor assign = makeAssign(B, S, M, 100 + S);
    at::Tensor refK = referenceMerge(keys, assign, M);
    at::Tensor refV = referenceMerge(values, assign, M);

    ec::kernels::mergeCompact(keys, values, assign, M);
    const double tol = tolerance(dtype);
    EXPECT_TRUE(at::allclose(keys.to(at::kFloat), refK.to(at::kFloat), tol, tol));
    EXPECT_TRUE(at::allclose(values.to(at::kFloat), refV.to(at::kFloat), tol, tol));
    // Slots at or above outSlots are never written.
    EXPECT_TRUE(at::equal(keys.narrow(2, M, C - M), refK.narrow(2, M, C - M)));
}

INSTANTIATE_TEST_SUITE_P(Shapes, MergeCompactTest,
                         ::testing::Values(std::make_tuple(1, 2, 16, 8, 16, 5, at::kFloat),
                                           std::make_tuple(2, 3, 40, 16, 33, 9, at::kFloat),
                                           std::make_tuple(3, 4, 64, 32, 64, 20, at::kBFloat16),
                                           std::make_tuple(2, 2, 50, 12, 41, 41, at::kHalf),
                                           std::make_tuple(1, 1, 8, 4, 8, 1, at::kFloat),
                                           std::make_tuple(4, 8, 130, 64, 120, 24, at::kBFloat16)));

TEST(MergeCompact, WritesThroughAStridedView)
{
    // The store may hand over a view of a larger buffer (capacity narrowed to the live length).
    at::manual_seed(21);
    at::Tensor bufK = at::randn({2, 3, 30, 8}), bufV = at::randn({2, 3, 30, 8});
    at::Tensor keys = bufK.narrow(2, 0, 20), values = bufV.narrow(2, 0, 20);
    ASSERT_FALSE(keys.is_contiguous());
    at::Tensor assign = makeAssign(2, 20, 6, 5);
    at::Tensor refK = referenceMerge(keys.contiguous(), assign, 6);
    const at::Tensor untouched = bufK.narrow(2, 20, 10).clone();
    ec::kernels::mergeCompact(keys, values, assign, 6);
    EXPECT_TRUE(at::allclose(bufK.narrow(2, 0, 20), refK, 1e-6, 1e-6));
    EXPECT_TRUE(at::equal(bufK.narrow(2, 20, 10), untouched));
}

// The loops are split over threads (ec_kernels is built with OpenMP), but every output row is
// summed by one thread in slot order: one and two threads must agree bit for bit.
TEST(MergeCompact, SameBitsOnOneAndTwoThreads)
{
    const int before = at::get_num_threads();
    at::Tensor merged[2];
    for (int threads : {1, 2}) {
        at::set_num_threads(threads);
        at::manual_seed(33);
        at::Tensor keys = at::randn({2, 8, 300, 64}).to(at::kBFloat16);
        at::Tensor values = at::randn({2, 8, 300, 64}).to(at::kBFloat16);
        ec::kernels::mergeCompact(keys, values, makeAssign(2, 300, 60, 9), 60);
        merged[threads - 1] = at::cat({keys, values});
    }
    at::set_num_threads(before);
    EXPECT_TRUE(at::equal(merged[0], merged[1]));
}

TEST(MergeCompact, EmptyBucketKeepsItsSlot)
{
    at::Tensor keys = at::arange(1 * 1 * 6 * 2, at::kFloat).reshape({1, 1, 6, 2});
    at::Tensor values = keys.clone();
    const at::Tensor before = keys.clone();
    // Slots 2, 3 -> bucket 0; slot 4 -> bucket 2; bucket 1 gets nothing; 0, 1, 5 dropped.
    at::Tensor assign = at::tensor({-1, -1, 0, 0, 2, -1}, at::kLong).reshape({1, 6});
    ec::kernels::mergeCompact(keys, values, assign, 3);
    EXPECT_TRUE(at::equal(keys[0][0][0], (before[0][0][2] + before[0][0][3]) / 2));
    EXPECT_TRUE(at::equal(keys[0][0][1], before[0][0][1]));
    EXPECT_TRUE(at::equal(keys[0][0][2], before[0][0][4]));
    EXPECT_TRUE(at::equal(keys.narrow(2, 3, 3), before.narrow(2, 3, 3)));
}

TEST(MergeCompact, RejectsBadArguments)
{
    at::Tensor keys = at::zeros({1, 1, 4, 2});
    at::Tensor values = keys.clone();
    EXPECT_THROW(ec::kernels::mergeCompact(keys, values, at::full({1, 4}, 3, at::kLong), 2),
                 std::invalid_argument);
    EXPECT_THROW(ec::kernels::mergeCompact(keys, values, at::zeros({1, 5}, at::kLong), 2),
                 std::invalid_argument);
    EXPECT_THROW(ec::kernels::mergeCompact(keys, values, at::zeros({1, 4}, at::kInt), 2),
                 std::invalid_argument);
}

} // namespace
