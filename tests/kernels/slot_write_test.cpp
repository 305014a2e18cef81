#include "kernels/merge_compact.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace {

std::vector<at::Tensor> layers(int n, at::IntArrayRef shape, at::ScalarType dtype)
{
    std::vector<at::Tensor> out;
    for (int i = 0; i < n; ++i)
        out.push_back(at::randn(shape).to(dtype));
    return out;
}

std::vector<at::Tensor> clones(const std::vector<at::Tensor> &in)
{
    std::vector<at::Tensor> out;
    for (const auto &t : in)
        out.push_back(t.clone());
    return out;
}

class SlotWriteTest : public ::testing::TestWithParam<at::ScalarType>
{
};

TEST_P(SlotWriteTest, MoveSlotCopiesOneSlotInEveryLayer)
{
    at::manual_seed(3);
    auto keys = layers(5, {2, 3, 10, 8}, GetParam());
    auto values = layers(5, {2, 3, 10, 8}, GetParam());
    auto k0 = clones(keys), v0 = clones(values);
    ec::kernels::moveSlot(keys, values, 7, 2);
    for (size_t l = 0; l < keys.size(); ++l) {
        at::Tensor expectK = k0[l].clone(), expectV = v0[l].clone();
        expectK.select(2, 2).copy_(k0[l].select(2, 7));
        expectV.select(2, 2).copy_(v0[l].select(2, 7));
        EXPECT_TRUE(at::equal(keys[l], expectK)) << "layer " << l;
        EXPECT_TRUE(at::equal(values[l], expectV)) << "layer " << l;
    }
}

TEST_P(SlotWriteTest, WriteSlotStoresTheNewTokenInEveryLayer)
{
    at::manual_seed(4);
    auto keys = layers(3, {2, 4, 6, 16}, GetParam());
    auto values = layers(3, {2, 4, 6, 16}, GetParam());
    auto newK = layers(3, {2, 4, 1, 16}, GetParam());
    auto newV = layers(3, {2, 4, 16}, GetParam()); // [B, H, D] is accepted too
    auto k0 = clones(keys), v0 = clones(values);
    ec::kernels::writeSlot(keys, values, newK, newV, 5);
    for (size_t l = 0; l < keys.size(); ++l) {
        EXPECT_TRUE(at::equal(keys[l].select(2, 5), newK[l].select(2, 0)));
        EXPECT_TRUE(at::equal(values[l].select(2, 5), newV[l]));
        EXPECT_TRUE(at::equal(keys[l].narrow(2, 0, 5), k0[l].narrow(2, 0, 5)));
        EXPECT_TRUE(at::equal(values[l].narrow(2, 0, 5), v0[l].narrow(2, 0, 5)));
    }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, SlotWriteTest,
                         ::testing::Values(at::kFloat, at::kHalf, at::kBFloat16));

TEST(SlotWrite, WritesThroughStridedViews)
{
    // A capacity-narrowed view (rows still contiguous) and a layout with D strided.
    at::manual_seed(5);
    at::Tensor bigK = at::randn({2, 3, 12, 8}), bigV = at::randn({2, 3, 12, 8});
    at::Tensor dK = at::randn({2, 3, 8, 10}).transpose(2, 3); // [2, 3, 10, 8], stride(3) != 1
    at::Tensor dV = at::randn({2, 3, 8, 10}).transpose(2, 3);
    std::vector<at::Tensor> keys{bigK.narrow(2, 0, 10), dK};
    std::vector<at::Tensor> values{bigV.narrow(2, 0, 10), dV};
    auto k0 = clones(keys);
    const at::Tensor tail = bigK.narrow(2, 10, 2).clone(); // beyond the view: never written
    auto newK = layers(2, {2, 3, 1, 8}, at::kFloat), newV = layers(2, {2, 3, 1, 8}, at::kFloat);
    ec::kernels::writeSlot(keys, values, newK, newV, 9);
    ec::kernels::moveSlot(keys, values, 9, 0);
    for (size_t l = 0; l < 2; ++l) {
        EXPECT_TRUE(at::equal(keys[l].select(2, 9), newK[l].select(2, 0))) << "layer " << l;
        EXPECT_TRUE(at::equal(keys[l].select(2, 0), newK[l].select(2, 0))) << "layer " << l;
        EXPECT_TRUE(at::equal(values[l].select(2, 0), newV[l].select(2, 0))) << "layer " << l;
        EXPECT_TRUE(at::equal(keys[l].narrow(2, 1, 8), k0[l].narrow(2, 1, 8))) << "layer " << l;
    }
    EXPECT_TRUE(at::equal(bigK.narrow(2, 10, 2), tail));
}

TEST(SlotWrite, RejectsOutOfRangeSlots)
{
    auto keys = layers(2, {1, 1, 4, 2}, at::kFloat);
    auto values = layers(2, {1, 1, 4, 2}, at::kFloat);
    EXPECT_THROW(ec::kernels::moveSlot(keys, values, 4, 0), std::invalid_argument);
    EXPECT_THROW(ec::kernels::writeSlot(keys, values, layers(2, {1, 1, 1, 2}, at::kFloat),
                                        layers(2, {1, 1, 1, 2}, at::kFloat), -1),
                 std::invalid_argument);
    EXPECT_THROW(ec::kernels::writeSlot(keys, values, layers(2, {1, 1, 1, 3}, at::kFloat),
                                        layers(2, {1, 1, 1, 3}, at::kFloat), 1),
                 std::invalid_argument);
}

} // namespace
