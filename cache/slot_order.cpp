#include "cache/slot_order.h"

#include "cache/kv_cache.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ec::cache {

void SlotOrder::reset(int64_t size, int64_t regionStart)
{
    regionStart = std::clamp<int64_t>(regionStart, 0, size);
    prefix_.resize(regionStart);
    for (int64_t i = 0; i < regionStart; ++i)
        prefix_[i] = i;
    region_.clear();
    for (int64_t i = regionStart; i < size; ++i)
        region_.push_back(i);
}

void SlotOrder::setRegionStart(int64_t regionStart)
{
    auto all = slots();
    regionStart = std::clamp<int64_t>(regionStart, 0, static_cast<int64_t>(all.size()));
    prefix_.assign(all.begin(), all.begin() + regionStart);
    region_.assign(all.begin() + regionStart, all.end());
}

int64_t SlotOrder::slotAt(int64_t logical) const
{
    const auto start = regionStart();
    return logical < start ? prefix_.at(logical) : region_.at(logical - start);
}

std::vector<int64_t> SlotOrder::slots() const
{
    std::vector<int64_t> all(prefix_);
    all.insert(all.end(), region_.begin(), region_.end());
    return all;
}

void SlotOrder::removeAt(KvCache &cache, int64_t logical)
{
    const int64_t n = size();
    if (n != cache.size())
        throw std::logic_error("SlotOrder: tracks " + std::to_string(n) + " entries, cache has " +
                               std::to_string(cache.size()));
    if (logical < 0 || logical >= n)
        throw std::out_of_range("SlotOrder::removeAt: " + std::to_string(logical));
    const int64_t newestSlot = n - 1;
    if (slotAt(n - 1) != newestSlot)
        throw std::logic_error("SlotOrder: the newest entry is not in the last slot");
    const int64_t start = regionStart();
    int64_t freed;
    if (logical < start) {
        freed = prefix_[logical];
        prefix_.erase(prefix_.begin() + logical);
    } else {
        auto it = region_.begin() + (logical - start);
        freed = *it;
        region_.erase(it);
    }
    if (freed != newestSlot) {
        cache.moveSlot(newestSlot, freed);
        // The newest entry stays logically last, now living in the freed slot.
        if (region_.empty())
            prefix_.back() = freed;
        else
            region_.back() = freed;
    }
    cache.setSize(n - 1);
}

} // namespace ec::cache
