#include "cache/kv_cache.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using ec::cache::CacheLayout;
using ec::cache::KvCache;

namespace {

CacheLayout smallLayout()
{
    CacheLayout layout;
    layout.layers = 3;
    layout.batch = 2;
    layout.kvHeads = 2;
    layout.headDim = 4;
    return layout;
}

void append(KvCache &cache, const at::Tensor &k, const at::Tensor &v, int64_t firstToken)
{
    cache.beginAppend(k.size(2), firstToken);
    for (int l = 0; l < cache.layout().layers; ++l)
        cache.writeAppended(l, k + l, v - l);
    cache.commitAppend();
}

} // namespace

TEST(KvCache, BytesPerTokenCountsKeysAndValuesOfEveryLayer)
{
    auto layout = smallLayout();
    layout.dtype = at::kBFloat16;
    EXPECT_EQ(layout.bytesPerToken(), 2 * 3 * 2 * 4 * 2);
}

TEST(KvCache, GrowsInChunksAndKeepsContents)
{
    KvCache cache(smallLayout(), 8);
    EXPECT_EQ(cache.capacity(), 8);
    std::vector<at::Tensor> ks, vs;
    int64_t token = 0;
    for (int64_t n : {5, 1, 1, 7, 1, 13}) {
        auto k = at::randn({2, 2, n, 4});
        auto v = at::randn({2, 2, n, 4});
        append(cache, k, v, token);
        ks.push_back(k);
        vs.push_back(v);
        token += n;
        EXPECT_EQ(cache.size(), token);
        EXPECT_GE(cache.capacity(), token);
        EXPECT_EQ(cache.capacity() % 8, 0);
    }
    auto allK = at::cat(ks, 2), allV = at::cat(vs, 2);
    for (int l = 0; l < 3; ++l) {
        EXPECT_TRUE(at::equal(cache.liveKeys(l), allK + l));
        EXPECT_TRUE(at::equal(cache.liveValues(l), allV - l));
        EXPECT_TRUE(at::equal(cache.tokenIndex(l).narrow(1, 0, token)[1],
                              at::arange(token, at::kLong)));
        EXPECT_TRUE(at::equal(cache.mergeCount(l).narrow(1, 0, token),
                              at::ones({2, token}, at::kInt)));
    }
    EXPECT_EQ(cache.bytesInUse(), token * 2 * cache.layout().bytesPerToken());
}

TEST(KvCache, PendingTokensAreVisibleToAttentionBeforeCommit)
{
    KvCache cache(smallLayout(), 4);
    append(cache, at::zeros({2, 2, 3, 4}), at::zeros({2, 2, 3, 4}), 0);
    auto k = at::ones({2, 2, 2, 4});
    cache.beginAppend(2, 3);
    cache.writeAppended(0, k, k);
    EXPECT_EQ(cache.size(), 3);
    EXPECT_EQ(cache.keys(0, cache.size() + cache.pending()).size(2), 5);
    EXPECT_TRUE(at::equal(cache.keys(0, 5).narrow(2, 3, 2), k));
    EXPECT_THROW(cache.beginAppend(1, 5), std::logic_error);
}

TEST(KvCache, RejectsWrongShapes)
{
    KvCache cache(smallLayout());
    cache.beginAppend(2, 0);
    EXPECT_THROW(cache.writeAppended(0, at::zeros({2, 2, 3, 4}), at::zeros({2, 2, 3, 4})),
                 std::invalid_argument);
    EXPECT_THROW(cache.writeAppended(7, at::zeros({2, 2, 2, 4}), at::zeros({2, 2, 2, 4})),
                 std::out_of_range);
    auto bad = smallLayout();
    bad.kvHeads = 0;
    EXPECT_THROW(KvCache{bad}, std::invalid_argument);
}
