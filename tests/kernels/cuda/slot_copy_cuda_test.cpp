#include "references.h"

#include <memory>

namespace ec::kernels::test {

namespace {

struct SlotCase
{
    int layers, batch, heads, capacity, headDim;
    DType dtype;
};

class SlotCopyCudaTest : public ::testing::TestWithParam<SlotCase>
{
};

// Moves slot `from` to `to` (src = dst storage) or writes a one-slot token (srcCapacity 1).
void checkCopy(const SlotCase &c, bool newToken)
{
    const int srcCap = newToken ? 1 : c.capacity;
    const int dstSlot = c.capacity - 2, srcSlot = newToken ? 0 : 1;
    const size_t dstN = size_t(c.batch) * c.heads * c.capacity * c.headDim;
    const size_t srcN = size_t(c.batch) * c.heads * srcCap * c.headDim;
    const size_t elem = size_t(cuda::elementBytes(c.dtype));
    std::vector<std::vector<float>> hostDst, hostSrc;
    std::vector<std::unique_ptr<DeviceBuffer>> buffers;
    std::vector<void *> dstK, dstV;
    std::vector<const void *> srcK, srcV;
    for (int l = 0; l < 2 * c.layers; ++l) {
        hostDst.push_back(roundTo(randomValues(dstN, 10 + l), c.dtype));
        buffers.push_back(std::make_unique<DeviceBuffer>(dstN * elem));
        buffers.back()->upload(encode(hostDst.back(), c.dtype).data(), dstN * elem);
        (l % 2 ? dstV : dstK).push_back(buffers.back()->get());
        if (newToken) {
            hostSrc.push_back(roundTo(randomValues(srcN, 1000 + l), c.dtype));
            buffers.push_back(std::make_unique<DeviceBuffer>(srcN * elem));
            buffers.back()->upload(encode(hostSrc.back(), c.dtype).data(), srcN * elem);
        } else {
            hostSrc.push_back(hostDst.back());
        }
        (l % 2 ? srcV : srcK).push_back(buffers.back()->get());
    }
    cuda::SlotCopyArgs a;
    a.layers = c.layers;
    a.dstKeys = dstK.data();
    a.dstValues = dstV.data();
    a.srcKeys = srcK.data();
    a.srcValues = srcV.data();
    a.batch = c.batch;
    a.heads = c.heads;
    a.headDim = c.headDim;
    a.dstCapacity = c.capacity;
    a.srcCapacity = srcCap;
    a.dstSlot = dstSlot;
    a.srcSlot = srcSlot;
    a.dtype = c.dtype;
    checkCuda(cuda::copySlots(a, nullptr), "slot copy launch");
    checkCuda(cudaDeviceSynchronize(), "slot copy run");
    for (int l = 0; l < 2 * c.layers; ++l) {
        std::vector<float> expect = hostDst[l];
        for (size_t row = 0; row < size_t(c.batch) * c.heads; ++row)
            for (int d = 0; d < c.headDim; ++d)
                expect[(row * c.capacity + dstSlot) * c.headDim + d] =
                    hostSrc[l][(row * srcCap + srcSlot) * c.headDim + d];
        std::vector<uint8_t> bytes(dstN * elem);
        void *dst = l % 2 ? dstV[l / 2] : dstK[l / 2];
        checkCuda(cudaMemcpy(bytes.data(), dst, bytes.size(), cudaMemcpyDeviceToHost), "download");
        ASSERT_EQ(decode(bytes, c.dtype), expect) << (l % 2 ? "V" : "K") << " of layer " << l / 2;
    }
}

TEST_P(SlotCopyCudaTest, MoveSlotInEveryLayer)
{
    EC_REQUIRE_GPU();
    checkCopy(GetParam(), false);
}

TEST_P(SlotCopyCudaTest, WriteNewTokenInEveryLayer)
{
    EC_REQUIRE_GPU();
    checkCopy(GetParam(), true);
}

std::vector<SlotCase> slotCases()
{
    std::vector<SlotCase> cases;
    for (DType t : {DType::F32, DType::F16, DType::BF16}) {
        cases.push_back({1, 1, 1, 4, 8, t});
        cases.push_back({3, 2, 4, 10, 5, t});     // odd head dim: scalar path
        cases.push_back({32, 2, 32, 20, 128, t}); // LLaVA layers, heads and head dim
        cases.push_back({70, 1, 2, 6, 16, t});    // more layers than one launch carries
    }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Shapes, SlotCopyCudaTest, ::testing::ValuesIn(slotCases()),
                         [](const ::testing::TestParamInfo<SlotCase> &info) {
                             const SlotCase &c = info.param;
                             return std::string(dtypeName(c.dtype)) + "_L" +
                                    std::to_string(c.layers) + "B" + std::to_string(c.batch) + "H" +
                                    std::to_string(c.heads) + "C" + std::to_string(c.capacity) +
                                    "D" + std::to_string(c.headDim);
                         });

TEST(SlotCopyCuda, RejectsSlotsOutOfRange)
{
    EC_REQUIRE_GPU();
    cuda::SlotCopyArgs a;
    a.layers = 1;
    a.batch = 1;
    a.heads = 1;
    a.headDim = 4;
    a.dstCapacity = 4;
    a.srcCapacity = 4;
    a.dstSlot = 4;
    EXPECT_EQ(cuda::copySlots(a, nullptr), cudaErrorInvalidValue);
}

} // namespace

} // namespace ec::kernels::test
