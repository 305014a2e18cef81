// CUDA kernels of the cache hot paths, on raw device pointers (no torch). Every tensor is
// contiguous; K/V storage is [B, H, C, D] (C = slot capacity). Each function launches on
// `stream` on device `device` and returns the launch status; nothing synchronises.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cuda_runtime_api.h>

namespace ec::kernels::cuda {

enum class DType { F32, F16, BF16 };

int elementBytes(DType dtype);

// Importance: columnSums[b, n] = (1/H) * sum over heads h and queries m of
// exp(scale * q[b,h,m,:] . k[b,h/rep,n,:] - lse[b,h,m]) for the keys query m sees. The Tq queries
// are the last Tq of the Tk positions (causal, prefix Tk - Tq); rep = H / Hkv (GQA).
struct ImportanceArgs
{
    const void *q = nullptr;     // [B, H, Tq, D]
    const void *k = nullptr;     // [B, Hkv, Tk, D]
    const float *lse = nullptr;  // [B, H, Tq]
    float *columnSums = nullptr; // [B, Tk], written
    int batch = 0, heads = 0, kvHeads = 0, queries = 0, keys = 0, headDim = 0;
    float scale = 1.0f;
    DType dtype = DType::F32;
    int device = 0;
};

// Bytes of scratch `importance` needs (per-tile partial sums); depends on the shape only.
size_t importanceWorkspaceBytes(const ImportanceArgs &args);
cudaError_t importance(const ImportanceArgs &args, void *workspace, cudaStream_t stream);

// Merge-compact of one layer: for each sequence b and bucket m < outSlots, writes the mean of
// the live slots s < liveSlots with assign[b, s] == m (float32 sums in slot order) into slot m of
// keys and values; empty buckets keep their slot; assign entries < 0 or >= outSlots are dropped.
// Sources are read into the workspace before any slot is written, so in-place use is safe.
struct MergeArgs
{
    void *keys = nullptr;            // [B, H, C, D]
    void *values = nullptr;          // [B, H, C, D]
    const int64_t *assign = nullptr; // [B, S]
    int batch = 0, heads = 0, capacity = 0, headDim = 0, liveSlots = 0, outSlots = 0;
    DType dtype = DType::F32;
    int device = 0;
};

size_t mergeCompactWorkspaceBytes(const MergeArgs &args);
cudaError_t mergeCompact(const MergeArgs &args, void *workspace, cudaStream_t stream);

// Slot copy for all layers in one launch (up to kMaxSlotLayers per launch): for every layer l,
// dstK[l][:, :, dstSlot] = srcK[l][:, :, srcSlot] and the same for V. The decode-time write of a
// new token (src capacity 1) and the fixed-point eviction move (src = dst storage) are both this.
constexpr int kMaxSlotLayers = 64;

struct SlotCopyArgs
{
    int layers = 0;
    void *const *dstKeys = nullptr; // host array of `layers` device pointers [B,H,dstCap,D]
    void *const *dstValues = nullptr;
    const void *const *srcKeys = nullptr; // host array of device pointers [B,H,srcCap,D]
    const void *const *srcValues = nullptr;
    int batch = 0, heads = 0, headDim = 0;
    int dstCapacity = 0, srcCapacity = 0, dstSlot = 0, srcSlot = 0;
    DType dtype = DType::F32;
    int device = 0;
};

cudaError_t copySlots(const SlotCopyArgs &args, cudaStream_t stream);

} // namespace ec::kernels::cuda
