#include "cache/slot_order.h"
#include "cache_fixture.h"

#include <gtest/gtest.h>

using namespace ec;

TEST(SlotOrder, RemovingRelocatesTheNewestIntoTheFreedSlot)
{
    cache::KvCache kv(test::layout(1, 1, 1, 1), 8);
    kv.beginAppend(6, 0);
    kv.writeAppended(0, at::arange(6, at::kFloat).view({1, 1, 6, 1}),
                     at::arange(6, at::kFloat).view({1, 1, 6, 1}));
    kv.commitAppend();
    cache::SlotOrder order;
    order.reset(6, 2);
    order.removeAt(kv, 2); // logical 2 lives in slot 2; the newest (slot 5) moves there
    EXPECT_EQ(kv.size(), 5);
    EXPECT_EQ(order.slots(), (std::vector<int64_t>{0, 1, 3, 4, 2}));
    EXPECT_EQ(kv.liveKeys(0)[0][0][2].item<float>(), 5.f);
    EXPECT_EQ(kv.tokenIndex(0)[0][2].item<int64_t>(), 5);
    kv.beginAppend(1, 6); // the next token lands in slot 5
    kv.writeAppended(0, at::full({1, 1, 1, 1}, 6.f), at::full({1, 1, 1, 1}, 6.f));
    kv.commitAppend();
    order.append(5);
    order.removeAt(kv, 0);
    EXPECT_EQ(order.slots(), (std::vector<int64_t>{1, 3, 4, 2, 0}));
    EXPECT_EQ(order.regionStart(), 1);
    EXPECT_EQ(kv.liveKeys(0)[0][0][0].item<float>(), 6.f);
    EXPECT_THROW(order.removeAt(kv, 9), std::out_of_range);
}
