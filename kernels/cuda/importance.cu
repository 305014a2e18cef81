// Importance (head-averaged attention column sums) from Q, K and the rows' log-sum-exp.
//
// Pass 1: one block per (key tile, query tile, sequence x head split) recomputes its 64x64 score
// tile for each head of the split (tensor cores for f16/bf16, CUDA cores otherwise), turns it
// into probabilities with the row's lse and sums them over queries and heads in a fixed order.
// Pass 2 adds the per-tile partial sums per key in a fixed order: no float atomics, so results
// are bit-identical run to run. Tiles above the causal diagonal are skipped entirely.
// f16/bf16 at head dim 64 or 128 (LLaVA's) take the faster streamed path, importance_stream.cu.
#include "kernels/cuda/element.cuh"
#include "kernels/cuda/importance_paths.h"

#include <algorithm>
#include <mma.h>
#include <type_traits>

namespace ec::kernels::cuda {

namespace {

constexpr int kTile = 64;     // queries and keys per tile
constexpr int kThreads = 128; // 4 warps; thread t owns key column t % 64, rows (t / 64) * 32..
constexpr int kScoreLd = kTile + 4;
constexpr int kTargetBlocks = 1024; // split heads until a launch has about this many blocks
constexpr float kLog2e = 1.4426950408889634f;

struct Shape
{
    int batch, heads, kvHeads, queries, keys, headDim;
    int queryTiles, keyTiles, prefix, headSplit;
};

// Last key position any query of tile qt sees.
__host__ __device__ inline int lastVisible(const Shape &s, int qt)
{
    const int end = (qt + 1) * kTile < s.queries ? (qt + 1) * kTile : s.queries;
    return s.prefix + end - 1;
}

Shape makeShape(const ImportanceArgs &a)
{
    Shape s{a.batch, a.heads, a.kvHeads, a.queries, a.keys, a.headDim, 0, 0, 0, 1};
    s.queryTiles = (a.queries + kTile - 1) / kTile;
    s.keyTiles = (a.keys + kTile - 1) / kTile;
    s.prefix = a.keys - a.queries;
    long long active = 0;
    for (int qt = 0; qt < s.queryTiles; ++qt)
        active += lastVisible(s, qt) / kTile + 1;
    // Enough blocks to fill the device even for short prompts and batch 1; the split depends on
    // the shape only, so the summation order (and the result) does not depend on the device.
    s.headSplit = a.kvHeads;
    for (int d = 1; d <= a.kvHeads; ++d) {
        if (a.kvHeads % d == 0 && active * a.batch * d >= kTargetBlocks) {
            s.headSplit = d;
            break;
        }
    }
    return s;
}

// Tensor-core path: tiles of Q and K in 64-column chunks of the head dimension.
template <typename T> struct WmmaTiles
{
    static constexpr int kChunk = 64;
    static constexpr int kLd = kChunk + 8;
    __align__(32) T q[kTile * kLd];
    __align__(32) T k[kTile * kLd];
};

// Rows [row0, row0 + 64) x columns [d0, d0 + 64) of a [rows, D] matrix; zeros outside it.
template <typename T>
__device__ void loadChunk16(T *dst, const T *src, int row0, int rowLimit, int d0, int dim)
{
    constexpr int kChunk = WmmaTiles<T>::kChunk, kLd = WmmaTiles<T>::kLd;
    constexpr int perRow = kChunk / 8;
    for (int i = threadIdx.x; i < kTile * perRow; i += kThreads) {
        const int r = i / perRow, c = (i % perRow) * 8;
        const int row = row0 + r, col = d0 + c;
        Pack<T, 8> p;
        if (row < rowLimit && col < dim) {
            p = *reinterpret_cast<const Pack<T, 8> *>(src + size_t(row) * dim + col);
        } else {
            for (int j = 0; j < 8; ++j)
                p.v[j] = fromFloat<T>(0.0f);
        }
        *reinterpret_cast<Pack<T, 8> *>(dst + r * kLd + c) = p;
    }
}

template <typename T>
__device__ void scoresWmma(WmmaTiles<T> &tiles, float *scores, const T *qHead, const T *kHead,
                           int q0, int n0, const Shape &s)
{
    using namespace nvcuda;
    constexpr int kChunk = WmmaTiles<T>::kChunk, kLd = WmmaTiles<T>::kLd;
    const int warp = threadIdx.x / 32;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[4];
    for (int j = 0; j < 4; ++j)
        wmma::fill_fragment(acc[j], 0.0f);
    for (int d0 = 0; d0 < s.headDim; d0 += kChunk) {
        loadChunk16(tiles.q, qHead, q0, s.queries, d0, s.headDim);
        loadChunk16(tiles.k, kHead, n0, s.keys, d0, s.headDim);
        __syncthreads();
        for (int kk = 0; kk < kChunk && d0 + kk < s.headDim; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
            wmma::load_matrix_sync(a, tiles.q + warp * 16 * kLd + kk, kLd);
            for (int j = 0; j < 4; ++j) {
                // K stored [key, d] row-major is K^T column-major.
                wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> b;
                wmma::load_matrix_sync(b, tiles.k + j * 16 * kLd + kk, kLd);
                wmma::mma_sync(acc[j], a, b, acc[j]);
            }
        }
        __syncthreads();
    }
    for (int j = 0; j < 4; ++j)
        wmma::store_matrix_sync(scores + warp * 16 * kScoreLd + j * 16, acc[j], kScoreLd,
                                wmma::mem_row_major);
}

// CUDA-core path (f32, or unaligned 16-bit data): fp32 tiles in 32-column chunks.
struct SimtTiles
{
    static constexpr int kChunk = 32;
    static constexpr int kLd = kChunk + 1; // odd stride: no bank conflicts on k
    float q[kTile * kLd];
    float k[kTile * kLd];
};

template <typename T>
__device__ void scoresSimt(SimtTiles &tiles, float *scores, const T *qHead, const T *kHead, int q0,
                           int n0, const Shape &s)
{
    constexpr int kChunk = SimtTiles::kChunk, kLd = SimtTiles::kLd;
    const int c = threadIdx.x % kTile, r0 = (threadIdx.x / kTile) * 32;
    float acc[32];
    for (int r = 0; r < 32; ++r)
        acc[r] = 0.0f;
    for (int d0 = 0; d0 < s.headDim; d0 += kChunk) {
        for (int i = threadIdx.x; i < kTile * kChunk; i += kThreads) {
            const int r = i / kChunk, col = d0 + i % kChunk;
            const bool inDim = col < s.headDim;
            tiles.q[r * kLd + i % kChunk] = inDim && q0 + r < s.queries
                                                ? toFloat(qHead[size_t(q0 + r) * s.headDim + col])
                                                : 0.0f;
            tiles.k[r * kLd + i % kChunk] =
                inDim && n0 + r < s.keys ? toFloat(kHead[size_t(n0 + r) * s.headDim + col]) : 0.0f;
        }
        __syncthreads();
        for (int d = 0; d < kChunk; ++d) {
            const float kv = tiles.k[c * kLd + d];
            for (int r = 0; r < 32; ++r)
                acc[r] = fmaf(tiles.q[(r0 + r) * kLd + d], kv, acc[r]);
        }
        __syncthreads();
    }
    for (int r = 0; r < 32; ++r)
        scores[(r0 + r) * kScoreLd + c] = acc[r];
}

template <typename T, bool kWmma>
__global__ void __launch_bounds__(kThreads)
    importanceTiles(const T *q, const T *k, const float *lse, float *partial, Shape s,
                    float scaleLog2)
{
    const int kt = blockIdx.x, qt = blockIdx.y;
    const int b = blockIdx.z / s.headSplit, split = blockIdx.z % s.headSplit;
    const int q0 = qt * kTile, n0 = kt * kTile;
    if (n0 > lastVisible(s, qt))
        return; // above the diagonal: pass 2 does not read this tile
    using Tiles = std::conditional_t<kWmma, WmmaTiles<T>, SimtTiles>;
    __shared__ Tiles tiles;
    __shared__ __align__(32) float scores[kTile * kScoreLd];
    __shared__ float lseLog2[kTile];
    __shared__ float halves[kThreads];

    const int rep = s.heads / s.kvHeads, groups = s.kvHeads / s.headSplit;
    const int c = threadIdx.x % kTile, r0 = (threadIdx.x / kTile) * 32;
    const int n = n0 + c;
    float acc = 0.0f;
    for (int g = split * groups; g < (split + 1) * groups; ++g) {
        const T *kHead = k + (size_t(b) * s.kvHeads + g) * s.keys * s.headDim;
        for (int h = g * rep; h < (g + 1) * rep; ++h) {
            const size_t bh = size_t(b) * s.heads + h;
            if (threadIdx.x < kTile) {
                const int row = q0 + threadIdx.x;
                lseLog2[threadIdx.x] = row < s.queries ? lse[bh * s.queries + row] * kLog2e : 0.0f;
            }
            const T *qHead = q + bh * s.queries * s.headDim;
            if constexpr (kWmma)
                scoresWmma<T>(tiles, scores, qHead, kHead, q0, n0, s);
            else
                scoresSimt<T>(tiles, scores, qHead, kHead, q0, n0, s);
            __syncthreads();
            for (int r = r0; r < r0 + 32; ++r) {
                const int row = q0 + r;
                if (row < s.queries && n <= s.prefix + row)
                    acc += exp2f(scores[r * kScoreLd + c] * scaleLog2 - lseLog2[r]);
            }
            __syncthreads();
        }
    }
    halves[threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.x < kTile && n < s.keys) {
        const size_t tile = (size_t(b) * s.headSplit + split) * s.queryTiles + qt;
        partial[tile * s.keys + n] = halves[threadIdx.x] + halves[threadIdx.x + kTile];
    }
}

__global__ void reducePartials(const float *partial, float *columnSums, Shape s)
{
    const int n = blockIdx.x * blockDim.x + threadIdx.x, b = blockIdx.y;
    if (n >= s.keys)
        return;
    float total = 0.0f;
    for (int split = 0; split < s.headSplit; ++split) {
        for (int qt = 0; qt < s.queryTiles; ++qt) {
            if (n > lastVisible(s, qt))
                continue;
            const size_t tile = (size_t(b) * s.headSplit + split) * s.queryTiles + qt;
            total += partial[tile * s.keys + n];
        }
    }
    columnSums[size_t(b) * s.keys + n] = total / float(s.heads);
}

} // namespace

int elementBytes(DType dtype)
{
    return dtype == DType::F32 ? 4 : 2;
}

size_t importanceWorkspaceBytes(const ImportanceArgs &args)
{
    if (args.batch <= 0 || args.kvHeads <= 0 || args.queries <= 0 || args.keys <= 0)
        return 0;
    const Shape s = makeShape(args);
    // Either path may run (the choice also depends on the pointers' alignment).
    return std::max(size_t(s.batch) * s.headSplit * s.queryTiles * s.keys * sizeof(float),
                    importanceStreamedWorkspaceBytes(args));
}

cudaError_t importance(const ImportanceArgs &a, void *workspace, cudaStream_t stream)
{
    if (a.batch < 0 || a.heads <= 0 || a.kvHeads <= 0 || a.heads % a.kvHeads != 0 ||
        a.queries < 0 || a.queries > a.keys || a.headDim <= 0)
        return cudaErrorInvalidValue;
    if (cudaError_t e = cudaSetDevice(a.device); e != cudaSuccess)
        return e;
    if (a.batch == 0 || a.keys == 0)
        return cudaSuccess;
    if (a.queries == 0)
        return cudaMemsetAsync(a.columnSums, 0, size_t(a.batch) * a.keys * sizeof(float), stream);
    if (!workspace)
        return cudaErrorInvalidValue;
    if (importanceStreamedApplies(a))
        return importanceStreamed(a, workspace, stream);
    const Shape s = makeShape(a);
    if (s.queryTiles > 65535 || size_t(s.batch) * s.headSplit > 65535)
        return cudaErrorInvalidValue;
    auto *partial = static_cast<float *>(workspace);
    const dim3 grid(s.keyTiles, s.queryTiles, s.batch * s.headSplit);
    const float scaleLog2 = a.scale * kLog2e;
    cudaError_t status = withElementType(a.dtype, [&](auto tag) {
        using T = decltype(tag);
        const T *q = static_cast<const T *>(a.q);
        const T *k = static_cast<const T *>(a.k);
        if constexpr (std::is_same_v<T, float>) {
            importanceTiles<T, false>
                <<<grid, kThreads, 0, stream>>>(q, k, a.lse, partial, s, scaleLog2);
        } else if (a.headDim % 8 == 0 && aligned16(q) && aligned16(k)) {
            importanceTiles<T, true>
                <<<grid, kThreads, 0, stream>>>(q, k, a.lse, partial, s, scaleLog2);
        } else {
            importanceTiles<T, false>
                <<<grid, kThreads, 0, stream>>>(q, k, a.lse, partial, s, scaleLog2);
        }
        return cudaGetLastError();
    });
    if (status != cudaSuccess)
        return status;
    reducePartials<<<dim3((s.keys + 255) / 256, s.batch), 256, 0, stream>>>(partial, a.columnSums,
                                                                            s);
    return cudaGetLastError();
}

} // namespace ec::kernels::cuda
