#include "cache/kv_cache.h"

#include "kernels/merge_compact.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

namespace ec::cache {

int64_t CacheLayout::bytesPerToken() const
{
    return 2 * layers * kvHeads * headDim * static_cast<int64_t>(c10::elementSize(dtype));
}

KvCache::KvCache(CacheLayout layout, int64_t growChunk)
    : layout_(layout)
    , growChunk_(growChunk > 0 ? growChunk : 256)
{
    if (layout_.layers <= 0 || layout_.batch <= 0 || layout_.kvHeads <= 0 || layout_.headDim <= 0)
        throw std::invalid_argument("KvCache: layers, batch, kvHeads and headDim must be positive");
    keys_.resize(layout_.layers);
    values_.resize(layout_.layers);
    tokenIndex_.resize(layout_.layers);
    importance_.resize(layout_.layers);
    mergeCount_.resize(layout_.layers);
    grow(0);
}

void KvCache::reserve(int64_t entries)
{
    if (entries > capacity_)
        grow(entries);
}

void KvCache::grow(int64_t needed)
{
    // Chunked growth, at least half the current capacity, so a long generation reallocates
    // O(log n) times and never once per token.
    int64_t target = std::max({needed, capacity_ + capacity_ / 2, growChunk_});
    target = (target + growChunk_ - 1) / growChunk_ * growChunk_;
    const auto &L = layout_;
    auto kvOpts = at::TensorOptions().dtype(L.dtype).device(L.device);
    auto meta = at::TensorOptions().device(L.device);
    const int64_t keep = size_ + pending_;
    for (int64_t l = 0; l < L.layers; ++l) {
        auto newK = at::empty({L.batch, L.kvHeads, target, L.headDim}, kvOpts);
        auto newV = at::empty({L.batch, L.kvHeads, target, L.headDim}, kvOpts);
        auto newTok = at::zeros({L.batch, target}, meta.dtype(at::kLong));
        auto newImp = at::zeros({L.batch, target}, meta.dtype(at::kFloat));
        auto newCnt = at::zeros({L.batch, target}, meta.dtype(at::kInt));
        if (keep > 0) {
            newK.narrow(2, 0, keep).copy_(keys_[l].narrow(2, 0, keep));
            newV.narrow(2, 0, keep).copy_(values_[l].narrow(2, 0, keep));
            newTok.narrow(1, 0, keep).copy_(tokenIndex_[l].narrow(1, 0, keep));
            newImp.narrow(1, 0, keep).copy_(importance_[l].narrow(1, 0, keep));
            newCnt.narrow(1, 0, keep).copy_(mergeCount_[l].narrow(1, 0, keep));
        }
        keys_[l] = std::move(newK);
        values_[l] = std::move(newV);
        tokenIndex_[l] = std::move(newTok);
        importance_[l] = std::move(newImp);
        mergeCount_[l] = std::move(newCnt);
    }
    capacity_ = target;
}

void KvCache::beginAppend(int64_t n, int64_t firstTokenIndex)
{
    if (n <= 0)
        throw std::invalid_argument("KvCache::beginAppend: n must be positive");
    if (pending_ != 0)
        throw std::logic_error("KvCache::beginAppend: previous append not committed");
    if (size_ + n > capacity_)
        grow(size_ + n);
    pending_ = n;
    auto idx = at::arange(firstTokenIndex, firstTokenIndex + n,
                          at::TensorOptions().dtype(at::kLong).device(layout_.device));
    for (int64_t l = 0; l < layout_.layers; ++l) {
        tokenIndex_[l].narrow(1, size_, n).copy_(idx.unsqueeze(0).expand({layout_.batch, n}));
        importance_[l].narrow(1, size_, n).zero_();
        mergeCount_[l].narrow(1, size_, n).fill_(1);
    }
}

void KvCache::writeAppended(int layer, const at::Tensor &k, const at::Tensor &v)
{
    if (layer < 0 || layer >= layout_.layers)
        throw std::out_of_range("KvCache::writeAppended: layer " + std::to_string(layer));
    const auto &L = layout_;
    std::vector<int64_t> expected{L.batch, L.kvHeads, pending_, L.headDim};
    if (k.sizes() != at::IntArrayRef(expected) || v.sizes() != at::IntArrayRef(expected))
        throw std::invalid_argument("KvCache::writeAppended: K/V must be [B, Hkv, pending, D]");
    keys_[layer].narrow(2, size_, pending_).copy_(k);
    values_[layer].narrow(2, size_, pending_).copy_(v);
}

void KvCache::commitAppend()
{
    size_ += pending_;
    pending_ = 0;
    ++commits_;
}

at::Tensor KvCache::keys(int layer, int64_t length) const
{
    return keys_.at(layer).narrow(2, 0, length);
}

at::Tensor KvCache::values(int layer, int64_t length) const
{
    return values_.at(layer).narrow(2, 0, length);
}

void KvCache::moveSlot(int64_t from, int64_t to)
{
    if (from < 0 || to < 0 || from >= capacity_ || to >= capacity_)
        throw std::out_of_range("KvCache::moveSlot: slot out of range");
    if (from == to)
        return;
    kernels::moveSlot(keys_, values_, from, to);
    for (int64_t l = 0; l < layout_.layers; ++l) {
        for (auto *meta : {&tokenIndex_[l], &importance_[l], &mergeCount_[l]})
            meta->select(1, to).copy_(meta->select(1, from));
    }
}

void KvCache::setSize(int64_t entries)
{
    if (entries < 0 || entries > capacity_)
        throw std::out_of_range("KvCache::setSize: " + std::to_string(entries));
    size_ = entries;
}

void KvCache::clear()
{
    size_ = 0;
    pending_ = 0;
}

} // namespace ec::cache
