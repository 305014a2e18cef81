// The logical order of a cache's slots, shared by all layers: arrival order for the FIFO-style
// policies (Local, Elastic's fixed point) and the reference-code policies, whose indices are
// logical positions in a cache the reference shifts physically on every deletion.
//
// Slots are never moved to keep this order; instead a deletion frees a slot and the newest entry
// is relocated into it (KvCache::moveSlot). The order is kept as a fixed prefix and a deque from
// `regionStart`, so evicting the entry at the fixed point is O(1).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace ec::cache {

class KvCache;

class SlotOrder
{
public:
    // Slots 0..size-1 in order (a freshly compacted cache), region from `regionStart`.
    void reset(int64_t size, int64_t regionStart);
    void clear() { reset(0, 0); }

    int64_t size() const { return static_cast<int64_t>(prefix_.size() + region_.size()); }
    int64_t regionStart() const { return static_cast<int64_t>(prefix_.size()); }
    int64_t slotAt(int64_t logical) const;
    std::vector<int64_t> slots() const; // logical order

    // Keeps the order, moves the boundary between the fixed prefix and the FIFO region.
    void setRegionStart(int64_t regionStart);

    // A new entry at the logical end.
    void append(int64_t slot) { region_.push_back(slot); }

    // Deletes the entry at logical index `logical` from `cache` (whose newest entry, physically
    // last, is also logically last): the freed slot receives the newest entry, the cache shrinks
    // by one. O(1) when `logical` is the region start.
    void removeAt(KvCache &cache, int64_t logical);

private:
    std::vector<int64_t> prefix_;
    std::deque<int64_t> region_;
};

} // namespace ec::cache
