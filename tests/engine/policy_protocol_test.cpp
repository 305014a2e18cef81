// The engine drives any cache policy through the protocol alone: a compacting test policy
// (one sink + a recent window, attention-observing) runs a multi-turn conversation.
#include "cache/kv_cache.h"
#include "engine/session.h"
#include "engine_test_support.h"

#include <ATen/ATen.h>

using namespace ec::engine;
namespace cache = ec::cache;

namespace {

class WindowPolicy : public cache::CachePolicy
{
public:
    WindowPolicy(int64_t window, cache::PositionMode positions)
        : CachePolicy(config(positions))
        , window_(window)
    {
    }
    bool needsAttention(cache::Phase) const override { return true; }
    void observeAttention(cache::KvCache &c, int layer, cache::Phase phase,
                          const at::Tensor &colSums) override
    {
        EXPECT_EQ(colSums.size(1), c.size() + c.pending());
        if (phase == cache::Phase::Decode) {
            EXPECT_EQ(c.pending(), 1);
        }
        ++observed;
    }
    cache::CompactionStats afterForward(cache::KvCache &c, const cache::ForwardInfo &) override
    {
        cache::CompactionStats st;
        st.entriesBefore = c.size();
        st.bytesBefore = c.bytesInUse();
        const int64_t keep = 1 + window_;
        if (c.size() > keep) {
            const int64_t drop = c.size() - keep;
            for (int64_t l = 0; l < c.layout().layers; ++l) {
                const int layer = static_cast<int>(l);
                for (at::Tensor *t : {&c.keyStorage(layer), &c.valueStorage(layer)}) {
                    at::Tensor tail = t->narrow(2, 1 + drop, window_).clone();
                    t->narrow(2, 1, window_).copy_(tail);
                }
                at::Tensor idx = c.tokenIndex(layer).narrow(1, 1 + drop, window_).clone();
                c.tokenIndex(layer).narrow(1, 1, window_).copy_(idx);
            }
            c.setSize(keep);
            st.evicted = drop * c.layout().layers;
        }
        st.entriesAfter = c.size();
        st.bytesAfter = c.bytesInUse();
        maxSize = std::max(maxSize, c.size());
        return st;
    }
    int observed = 0;
    int64_t maxSize = 0;

private:
    static cache::PolicyConfig config(cache::PositionMode positions)
    {
        cache::PolicyConfig c;
        c.name = "test-window";
        c.positions = positions;
        return c;
    }
    int64_t window_;
};

} // namespace

TEST(PolicyProtocol, CompactingPolicyRunsAMultiTurnConversation)
{
    ec::test::TempDir dir;
    ec::tools::writeTinyModel(dir.path(), ec::test::smallSpec());
    auto model = loadModel(dir.path(), {"cpu", "f32"});
    std::vector<at::Tensor> lastLogits;
    for (auto mode : {cache::PositionMode::True, cache::PositionMode::Compact}) {
        auto policy = std::make_unique<WindowPolicy>(8, mode);
        WindowPolicy *p = policy.get();
        Session session(*model, {}, std::move(policy));
        GenerationOptions g;
        g.maxNewTokens = 5;
        g.keepLogits = true;
        TurnResult r;
        for (int turn = 0; turn < 3; ++turn) {
            UserTurn t;
            for (int i = 0; i < 12; ++i)
                t.ids.push_back(10 + turn * 20 + i);
            session.addUserTurn(t);
            r = session.generate(g);
            EXPECT_EQ(r.stats.cacheEntries, 9);
            EXPECT_EQ(r.stats.prefillCompaction.entriesAfter, 9);
            EXPECT_GT(r.stats.prefillCompaction.evicted, 0);
            EXPECT_TRUE(at::isfinite(r.logits).all().item<bool>());
        }
        EXPECT_EQ(p->maxSize, 9);
        EXPECT_GT(p->observed, 0);
        EXPECT_EQ(session.tokensSeen(), static_cast<int64_t>(session.history().size()));
        lastLogits.push_back(r.logits);
    }
    // Compact positions rotate new tokens at the cache length, not their true index.
    EXPECT_GT((lastLogits[0] - lastLogits[1]).abs().max().item<double>(), 1e-4);
}
