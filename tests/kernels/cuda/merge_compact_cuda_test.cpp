#include "references.h"

#include <cmath>
#include <cstring>

namespace ec::kernels::test {

namespace {

struct MergeCase
{
    int batch, heads, capacity, headDim, liveSlots, outSlots;
    DType dtype;
    bool nearestAnchor; // contiguous buckets as the Elastic policy makes, else random buckets
};

std::string caseName(const ::testing::TestParamInfo<MergeCase> &info)
{
    const MergeCase &c = info.param;
    return std::string(dtypeName(c.dtype)) + "_B" + std::to_string(c.batch) + "H" +
           std::to_string(c.heads) + "C" + std::to_string(c.capacity) + "D" +
           std::to_string(c.headDim) + "S" + std::to_string(c.liveSlots) + "M" +
           std::to_string(c.outSlots) + (c.nearestAnchor ? "_anchors" : "_random");
}

std::vector<int64_t> makeAssign(const MergeCase &c, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<int64_t> assign(size_t(c.batch) * c.liveSlots);
    for (int b = 0; b < c.batch; ++b)
        for (int s = 0; s < c.liveSlots; ++s) {
            int64_t &a = assign[size_t(b) * c.liveSlots + s];
            if (c.nearestAnchor)
                a = std::min<int64_t>(c.outSlots - 1, int64_t(s) * c.outSlots / c.liveSlots);
            else
                a = int64_t(rng() % (c.outSlots + 1)) - 1; // -1 drops the slot
        }
    // Slot 0 feeds the last bucket and the last slot bucket 0: a careless in-place write would
    // overwrite a source before it is read.
    if (c.liveSlots > 2 && c.outSlots > 2)
        for (int b = 0; b < c.batch; ++b) {
            assign[size_t(b) * c.liveSlots] = c.outSlots - 1;
            assign[size_t(b) * c.liveSlots + c.liveSlots - 1] = 0;
        }
    return assign;
}

std::vector<float> runMerge(const MergeCase &c, const std::vector<float> &keys,
                            const std::vector<float> &values, const std::vector<int64_t> &assign,
                            std::vector<float> &valuesOut)
{
    const auto kBytes = encode(keys, c.dtype), vBytes = encode(values, c.dtype);
    DeviceBuffer dk(kBytes.size()), dv(vBytes.size()), da(assign.size() * sizeof(int64_t));
    dk.upload(kBytes.data(), kBytes.size());
    dv.upload(vBytes.data(), vBytes.size());
    da.upload(assign.data(), assign.size() * sizeof(int64_t));
    cuda::MergeArgs a;
    a.keys = dk.get();
    a.values = dv.get();
    a.assign = static_cast<const int64_t *>(da.get());
    a.batch = c.batch;
    a.heads = c.heads;
    a.capacity = c.capacity;
    a.headDim = c.headDim;
    a.liveSlots = c.liveSlots;
    a.outSlots = c.outSlots;
    a.dtype = c.dtype;
    DeviceBuffer ws(cuda::mergeCompactWorkspaceBytes(a));
    checkCuda(cuda::mergeCompact(a, ws.get(), nullptr), "merge launch");
    checkCuda(cudaDeviceSynchronize(), "merge run");
    std::vector<uint8_t> kOut(kBytes.size()), vOut(vBytes.size());
    dk.download(kOut.data(), kOut.size());
    dv.download(vOut.data(), vOut.size());
    valuesOut = decode(vOut, c.dtype);
    return decode(kOut, c.dtype);
}

class MergeCompactCudaTest : public ::testing::TestWithParam<MergeCase>
{
};

TEST_P(MergeCompactCudaTest, MatchesSlotOrderReference)
{
    EC_REQUIRE_GPU();
    const MergeCase &c = GetParam();
    const size_t n = size_t(c.batch) * c.heads * c.capacity * c.headDim;
    const auto keys = roundTo(randomValues(n, 3), c.dtype);
    const auto values = roundTo(randomValues(n, 4), c.dtype);
    const auto assign = makeAssign(c, 5);
    const auto expectK = referenceMerge(keys, assign, c.batch, c.heads, c.capacity, c.headDim,
                                        c.liveSlots, c.outSlots, c.dtype);
    const auto expectV = referenceMerge(values, assign, c.batch, c.heads, c.capacity, c.headDim,
                                        c.liveSlots, c.outSlots, c.dtype);
    std::vector<float> gotV;
    const auto gotK = runMerge(c, keys, values, assign, gotV);
    const double tol = tolerance(c.dtype);
    for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(gotK[i], expectK[i], tol * (1.0 + std::abs(expectK[i]))) << "K element " << i;
        ASSERT_NEAR(gotV[i], expectV[i], tol * (1.0 + std::abs(expectV[i]))) << "V element " << i;
    }
    // Same sums in the same order as the reference: the results should be bit-identical.
    EXPECT_EQ(0, std::memcmp(gotK.data(), expectK.data(), n * sizeof(float)));
}

std::vector<MergeCase> mergeCases()
{
    std::vector<MergeCase> cases;
    for (DType t : {DType::F32, DType::F16, DType::BF16}) {
        cases.push_back({1, 2, 16, 8, 16, 5, t, false});
        cases.push_back({2, 3, 40, 16, 33, 9, t, false});
        cases.push_back({3, 4, 64, 128, 64, 20, t, true});
        cases.push_back({2, 2, 50, 12, 41, 41, t, false}); // as many buckets as slots
        cases.push_back({1, 1, 8, 5, 8, 3, t, false});     // odd head dim: scalar path
        cases.push_back({4, 8, 130, 64, 120, 24, t, true});
        cases.push_back({1, 2, 2100, 8, 2100, 1500, t, false}); // scan over > 1024 buckets
        cases.push_back({2, 4, 3000, 128, 2600, 520, t, true}); // LLaVA head dim, budget 0.2
    }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Shapes, MergeCompactCudaTest, ::testing::ValuesIn(mergeCases()), caseName);

TEST(MergeCompactCuda, EmptyBucketsAndDroppedSlotsAreLeftAlone)
{
    EC_REQUIRE_GPU();
    const MergeCase c{1, 1, 6, 2, 6, 3, DType::F32, false};
    std::vector<float> keys(12);
    for (int i = 0; i < 12; ++i)
        keys[i] = float(i);
    // Slots 2, 3 -> bucket 0; slot 4 -> bucket 2; bucket 1 empty; 0, 1, 5 dropped; 9 is >= M.
    const std::vector<int64_t> assign = {-1, 9, 0, 0, 2, -1};
    std::vector<float> values;
    const auto got = runMerge(c, keys, keys, assign, values);
    const std::vector<float> expect = {5, 6, 2, 3, 8, 9, 6, 7, 8, 9, 10, 11};
    EXPECT_EQ(got, expect);
    EXPECT_EQ(values, expect);
}

} // namespace

} // namespace ec::kernels::test
