// The KV cache store: per layer K and V of shape [B, Hkv, capacity, D], preallocated and grown in
// chunks, with a live length shared by all layers and sequences, and per-slot metadata.
//
// Slots need not stay in token order: positions are rotated into the keys before they are
// stored, so attention over the live slots is order-free. Policies compact the store in place.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace ec::cache {

struct CacheLayout
{
    int64_t layers = 0;
    int64_t batch = 1;
    int64_t kvHeads = 0;
    int64_t headDim = 0;
    at::ScalarType dtype = at::kFloat;
    at::Device device = at::kCPU;

    // Bytes of K and V, over all layers, that one token of one sequence occupies.
    int64_t bytesPerToken() const;
};

class KvCache
{
public:
    explicit KvCache(CacheLayout layout, int64_t growChunk = 256);

    const CacheLayout &layout() const { return layout_; }
    int64_t size() const { return size_; }
    int64_t capacity() const { return capacity_; }
    int64_t pending() const { return pending_; }
    int64_t bytesInUse() const { return size_ * layout_.batch * layout_.bytesPerToken(); }

    // Makes room for at least `entries` slots without further allocation.
    void reserve(int64_t entries);

    // One forward's tokens: beginAppend(n, first) makes room for n slots after the live ones and
    // gives them token indices first..first+n-1, zero importance and merge count 1; each layer
    // writes its K/V [B, Hkv, n, D] with writeAppended and attends over keys(l, size() + n);
    // commitAppend makes them live.
    void beginAppend(int64_t n, int64_t firstTokenIndex);
    void writeAppended(int layer, const at::Tensor &k, const at::Tensor &v);
    void commitAppend();
    // Drops the pending slots of a forward that failed; the live ones are untouched.
    void abortAppend() { pending_ = 0; }
    // How many forwards were made live so far (a caller can tell whether a failed call wrote).
    int64_t commits() const { return commits_; }

    // Views of the first `length` slots of a layer: [B, Hkv, length, D].
    at::Tensor keys(int layer, int64_t length) const;
    at::Tensor values(int layer, int64_t length) const;
    at::Tensor liveKeys(int layer) const { return keys(layer, size_); }
    at::Tensor liveValues(int layer) const { return values(layer, size_); }

    // Whole storage of a layer ([B, Hkv, capacity, D]) and its metadata ([B, capacity]), for
    // policies that rewrite slots in place.
    at::Tensor &keyStorage(int layer) { return keys_[layer]; }
    at::Tensor &valueStorage(int layer) { return values_[layer]; }
    at::Tensor &tokenIndex(int layer) { return tokenIndex_[layer]; }  // int64
    at::Tensor &importance(int layer) { return importance_[layer]; }  // float32, accumulated
    at::Tensor &mergeCount(int layer) { return mergeCount_[layer]; }  // int32, tokens per slot
    const at::Tensor &tokenIndex(int layer) const { return tokenIndex_[layer]; }
    const at::Tensor &importance(int layer) const { return importance_[layer]; }
    const at::Tensor &mergeCount(int layer) const { return mergeCount_[layer]; }

    // Copies slot `from` (K, V and metadata, every layer and sequence) into slot `to`: the
    // decode-time eviction that overwrites the evicted entry with the newest token.
    void moveSlot(int64_t from, int64_t to);

    // After a compaction: the first `entries` slots are the live ones.
    void setSize(int64_t entries);
    void clear();

private:
    void grow(int64_t needed);

    CacheLayout layout_;
    int64_t growChunk_;
    int64_t size_ = 0;
    int64_t pending_ = 0;
    int64_t commits_ = 0;
    int64_t capacity_ = 0;
    std::vector<at::Tensor> keys_, values_;
    std::vector<at::Tensor> tokenIndex_, importance_, mergeCount_;
};

} // namespace ec::cache
