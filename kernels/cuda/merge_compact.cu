// Merge-compact of one layer in three launches, all deterministic:
//  1. per sequence, a stable counting sort of the live slots by bucket (integer atomics only for
//     the counts; the order inside a bucket is slot order, built by one warp);
//  2. one block per (bucket, sequence, K|V) sums its sources in slot order in fp32 and writes the
//     mean to a workspace;
//  3. the means are copied into slots [0, outSlots) once every source has been read.
#include "kernels/cuda/element.cuh"

namespace ec::kernels::cuda {

namespace {

constexpr int kSortThreads = 1024;
constexpr int kSharedBuckets = 8192; // 32 KB of bucket cursors in shared memory
constexpr int kMeanThreads = 256;

struct Layout
{
    int *counts;  // [B, M]
    int *offsets; // [B, M + 1]
    int *cursor;  // [B, M]
    int *order;   // [B, S]: live slots grouped by bucket, slot order inside a bucket
    void *means;  // [2, B, H, M, D] storage dtype
    size_t bytes;
};

size_t alignUp(size_t n)
{
    return (n + 255) / 256 * 256;
}

Layout layout(const MergeArgs &a, void *base)
{
    const size_t B = a.batch, M = a.outSlots, S = a.liveSlots;
    char *p = static_cast<char *>(base);
    size_t at = 0;
    auto take = [&](size_t bytes) {
        char *q = p ? p + at : nullptr;
        at += alignUp(bytes);
        return q;
    };
    Layout l;
    l.counts = reinterpret_cast<int *>(take(B * M * sizeof(int)));
    l.offsets = reinterpret_cast<int *>(take(B * (M + 1) * sizeof(int)));
    l.cursor = reinterpret_cast<int *>(take(B * M * sizeof(int)));
    l.order = reinterpret_cast<int *>(take(B * S * sizeof(int)));
    l.means = take(2 * B * a.heads * M * a.headDim * size_t(elementBytes(a.dtype)));
    l.bytes = at;
    return l;
}

__device__ inline int bucketOf(const int64_t *assign, int s, int outSlots)
{
    const int64_t m = assign[s];
    return m >= 0 && m < outSlots ? int(m) : -1;
}

__global__ void __launch_bounds__(kSortThreads)
    sortByBucket(const int64_t *assign, int liveSlots, int outSlots, Layout l)
{
    __shared__ int scan[kSortThreads];
    __shared__ int stage[kSortThreads];
    __shared__ int sharedCursor[kSharedBuckets];
    __shared__ int carry;
    const int b = blockIdx.x, tid = threadIdx.x;
    const int64_t *a = assign + size_t(b) * liveSlots;
    int *counts = l.counts + size_t(b) * outSlots;
    int *offsets = l.offsets + size_t(b) * (outSlots + 1);
    int *cursor = l.cursor + size_t(b) * outSlots;
    int *order = l.order + size_t(b) * liveSlots;

    for (int m = tid; m < outSlots; m += kSortThreads)
        counts[m] = 0;
    __syncthreads();
    for (int s = tid; s < liveSlots; s += kSortThreads) {
        const int m = bucketOf(a, s, outSlots);
        if (m >= 0)
            atomicAdd(&counts[m], 1); // integer: the totals do not depend on the order
    }
    if (tid == 0)
        carry = 0;
    __syncthreads();
    // Exclusive scan of the counts, kSortThreads at a time (Hillis-Steele in shared memory).
    for (int m0 = 0; m0 < outSlots; m0 += kSortThreads) {
        const int m = m0 + tid;
        const int own = m < outSlots ? counts[m] : 0;
        scan[tid] = own;
        __syncthreads();
        for (int step = 1; step < kSortThreads; step *= 2) {
            const int add = tid >= step ? scan[tid - step] : 0;
            __syncthreads();
            scan[tid] += add;
            __syncthreads();
        }
        if (m < outSlots)
            offsets[m] = carry + scan[tid] - own;
        __syncthreads();
        if (tid == kSortThreads - 1)
            carry += scan[tid];
        __syncthreads();
    }
    if (tid == 0)
        offsets[outSlots] = carry;
    // Bucket cursors live in shared memory when they fit: the fill below is a serial chain
    // through them, so their latency sets its speed.
    int *cursorAt = outSlots <= kSharedBuckets ? sharedCursor : cursor;
    for (int m = tid; m < outSlots; m += kSortThreads)
        cursorAt[m] = offsets[m];
    __syncthreads();
    // Stable fill, kSortThreads slots at a time: all threads stage the buckets, then one warp
    // walks them 32 at a time; lanes with the same bucket take consecutive places in lane order
    // and the highest of them advances the bucket's cursor.
    const unsigned lowerLanes = (1u << (tid % 32)) - 1u;
    for (int s0 = 0; s0 < liveSlots; s0 += kSortThreads) {
        stage[tid] = s0 + tid < liveSlots ? bucketOf(a, s0 + tid, outSlots) : -1;
        __syncthreads();
        if (tid < 32) {
            for (int j = 0; j < kSortThreads && s0 + j < liveSlots; j += 32) {
                const int m = stage[j + tid];
                const unsigned peers = __match_any_sync(0xffffffffu, m);
                int base = 0;
                if (m >= 0) {
                    base = cursorAt[m];
                    order[base + __popc(peers & lowerLanes)] = s0 + j + tid;
                }
                __syncwarp();
                if (m >= 0 && tid == 31 - __clz(peers))
                    cursorAt[m] = base + __popc(peers);
                __syncwarp();
            }
        }
        __syncthreads();
    }
}

// Block (m, b, which): mean of bucket m of sequence b for K (which 0) or V (which 1).
template <typename T, int V>
__global__ void __launch_bounds__(kMeanThreads)
    bucketMeans(const T *keys, const T *values, MergeArgs a, Layout l)
{
    const int m = blockIdx.x, b = blockIdx.y, which = blockIdx.z;
    const int count = l.counts[size_t(b) * a.outSlots + m];
    if (count == 0)
        return;
    const int *sources =
        l.order + size_t(b) * a.liveSlots + l.offsets[size_t(b) * (a.outSlots + 1) + m];
    const T *src = (which == 0 ? keys : values) + size_t(b) * a.heads * a.capacity * a.headDim;
    T *dst = static_cast<T *>(l.means) +
             ((size_t(which) * a.batch + b) * a.heads * a.outSlots + m) * a.headDim;
    const int rowPacks = a.headDim / V;
    for (int i = threadIdx.x; i < a.heads * rowPacks; i += kMeanThreads) {
        const int h = i / rowPacks, d = (i % rowPacks) * V;
        float sum[V];
        for (int j = 0; j < V; ++j)
            sum[j] = 0.0f;
        for (int e = 0; e < count; ++e) {
            const size_t row = size_t(h) * a.capacity + sources[e];
            const Pack<T, V> p = *reinterpret_cast<const Pack<T, V> *>(src + row * a.headDim + d);
            for (int j = 0; j < V; ++j)
                sum[j] += toFloat(p.v[j]);
        }
        Pack<T, V> out;
        for (int j = 0; j < V; ++j)
            out.v[j] = fromFloat<T>(sum[j] / float(count));
        *reinterpret_cast<Pack<T, V> *>(dst + size_t(h) * a.outSlots * a.headDim + d) = out;
    }
}

template <typename T, int V>
__global__ void __launch_bounds__(kMeanThreads)
    writeMeans(T *keys, T *values, MergeArgs a, Layout l)
{
    const int m = blockIdx.x, b = blockIdx.y, which = blockIdx.z;
    if (l.counts[size_t(b) * a.outSlots + m] == 0)
        return; // an empty bucket keeps its slot
    const T *src = static_cast<const T *>(l.means) +
                   ((size_t(which) * a.batch + b) * a.heads * a.outSlots + m) * a.headDim;
    T *dst = (which == 0 ? keys : values) + size_t(b) * a.heads * a.capacity * a.headDim +
             size_t(m) * a.headDim;
    const int rowPacks = a.headDim / V;
    for (int i = threadIdx.x; i < a.heads * rowPacks; i += kMeanThreads) {
        const int h = i / rowPacks, d = (i % rowPacks) * V;
        *reinterpret_cast<Pack<T, V> *>(dst + size_t(h) * a.capacity * a.headDim + d) =
            *reinterpret_cast<const Pack<T, V> *>(src + size_t(h) * a.outSlots * a.headDim + d);
    }
}

template <typename T, int V>
cudaError_t launchMeans(const MergeArgs &a, const Layout &l, cudaStream_t stream)
{
    const dim3 grid(a.outSlots, a.batch, 2);
    T *keys = static_cast<T *>(a.keys);
    T *values = static_cast<T *>(a.values);
    bucketMeans<T, V><<<grid, kMeanThreads, 0, stream>>>(keys, values, a, l);
    writeMeans<T, V><<<grid, kMeanThreads, 0, stream>>>(keys, values, a, l);
    return cudaGetLastError();
}

} // namespace

size_t mergeCompactWorkspaceBytes(const MergeArgs &args)
{
    return layout(args, nullptr).bytes;
}

cudaError_t mergeCompact(const MergeArgs &a, void *workspace, cudaStream_t stream)
{
    if (a.batch < 0 || a.heads <= 0 || a.headDim <= 0 || a.liveSlots < 0 ||
        a.liveSlots > a.capacity || a.outSlots < 0 || a.outSlots > a.capacity)
        return cudaErrorInvalidValue;
    if (cudaError_t e = cudaSetDevice(a.device); e != cudaSuccess)
        return e;
    if (a.batch == 0 || a.outSlots == 0)
        return cudaSuccess;
    if (!workspace || a.batch > 65535)
        return cudaErrorInvalidValue;
    const Layout l = layout(a, workspace);
    sortByBucket<<<a.batch, kSortThreads, 0, stream>>>(a.assign, a.liveSlots, a.outSlots, l);
    if (cudaError_t e = cudaGetLastError(); e != cudaSuccess)
        return e;
    const void *ptrs[] = {a.keys, a.values, l.means};
    return withElementType(a.dtype, [&](auto tag) {
        using T = decltype(tag);
        constexpr int kWide = 16 / sizeof(T);
        if (packWidth(sizeof(T), a.headDim, ptrs, 3) == kWide)
            return launchMeans<T, kWide>(a, l, stream);
        return launchMeans<T, 1>(a, l, stream);
    });
}

} // namespace ec::kernels::cuda
