// Importance on tensor cores for head dim 64 or 128 (f16/bf16, 16-byte aligned).
//
// One block per (key tile, head, sequence) keeps its 64 keys in shared memory and streams every
// query tile that sees them through a two-stage cp.async pipeline. Scores come from mma.sync
// m16n8k16 and stay in registers; each thread adds its probabilities per key column in a fixed
// order and the warps' sums are combined in a fixed order, so results are bit-identical run to
// run. Per-head column sums go to a workspace; a second launch averages them over heads.
#include "kernels/cuda/element.cuh"
#include "kernels/cuda/importance_paths.h"

#include <type_traits>

namespace ec::kernels::cuda {

namespace {

constexpr int kTile = 64;     // keys and queries per tile
constexpr int kThreads = 128; // 4 warps, 16 query rows each
constexpr float kLog2e = 1.4426950408889634f;

// Rows padded by 16 bytes: the 8 rows an ldmatrix reads start in different bank groups.
template <int D> __host__ __device__ constexpr int rowStride()
{
    return D + 8;
}

template <int D> constexpr size_t sharedBytes()
{
    return size_t(3) * kTile * rowStride<D>() * sizeof(uint16_t); // K tile + two query stages
}

struct StreamShape
{
    int heads, kvHeads, queries, keys, prefix;
};

__device__ inline uint32_t sharedAddress(const void *p)
{
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16 bytes global -> shared without a register round trip; zero-filled when !valid.
__device__ inline void copy16Async(void *dst, const void *src, bool valid)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(sharedAddress(dst)),
                 "l"(src), "r"(valid ? 16 : 0));
}

__device__ inline void commitCopies()
{
    asm volatile("cp.async.commit_group;\n" ::);
}

template <int Pending> __device__ inline void waitCopies()
{
    asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending));
}

// Rows [row0, row0 + 64) of a [rows, D] matrix into a padded tile; rows >= rowLimit read zero.
template <int D>
__device__ inline void loadTileAsync(uint16_t *dst, const uint16_t *src, int row0, int rowLimit)
{
    constexpr int chunks = D / 8; // 16-byte chunks per row
    for (int i = threadIdx.x; i < kTile * chunks; i += kThreads) {
        const int r = i / chunks, c = (i % chunks) * 8;
        const bool valid = row0 + r < rowLimit;
        copy16Async(dst + r * rowStride<D>() + c, valid ? src + size_t(row0 + r) * D + c : src,
                    valid);
    }
}

__device__ inline void loadMatrices(uint32_t (&r)[4], const uint16_t *p)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(sharedAddress(p)));
}

// c += a (16x16, row-major) * b (16x8, column-major), fp32 accumulation.
template <typename T>
__device__ inline void mma16x8x16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1)
{
    if constexpr (std::is_same_v<T, __half>) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, "
                     "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    } else {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, "
                     "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    }
}

template <typename T, int D>
__global__ void __launch_bounds__(kThreads)
    streamedTiles(const uint16_t *q, const uint16_t *k, const float *lse, float *perHead,
                  StreamShape s, float scaleLog2)
{
    constexpr int ld = rowStride<D>();
    extern __shared__ uint4 sharedRaw[];
    uint16_t *keyTile = reinterpret_cast<uint16_t *>(sharedRaw);
    uint16_t *queryStages = keyTile + kTile * ld;
    __shared__ float warpSums[kThreads / 32][kTile];

    const int n0 = blockIdx.x * kTile, h = blockIdx.y, b = blockIdx.z;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int group = lane / 4, pair = lane % 4; // the mma fragment's row and column pair
    const size_t bh = size_t(b) * s.heads + h;
    const int kvHead = h / (s.heads / s.kvHeads);
    const uint16_t *kHead = k + (size_t(b) * s.kvHeads + kvHead) * s.keys * D;
    const uint16_t *qHead = q + bh * s.queries * D;
    const float *lseHead = lse + bh * s.queries;

    // Query m sees key n when n <= prefix + m; n0 < keys = prefix + queries, so the first query
    // that sees this tile exists.
    const int firstQuery = n0 > s.prefix ? n0 - s.prefix : 0;
    const int firstTile = firstQuery / kTile;
    const int tiles = (s.queries + kTile - 1) / kTile - firstTile;

    loadTileAsync<D>(keyTile, kHead, n0, s.keys);
    loadTileAsync<D>(queryStages, qHead, firstTile * kTile, s.queries);
    commitCopies();

    float columns[8][2] = {}; // this thread's sums for keys n0 + j*8 + pair*2 + {0, 1}
    for (int t = 0; t < tiles; ++t) {
        const int q0 = (firstTile + t) * kTile;
        if (t + 1 < tiles) {
            // The other stage was last read in iteration t - 1, which ended in a barrier.
            loadTileAsync<D>(queryStages + ((t + 1) & 1) * kTile * ld, qHead, q0 + kTile,
                             s.queries);
            commitCopies();
            waitCopies<1>();
        } else {
            waitCopies<0>();
        }
        __syncthreads();
        const uint16_t *queryTile = queryStages + (t & 1) * kTile * ld;

        float acc[8][4] = {}; // scores of rows group and group + 8 of this warp's 16, 64 keys
#pragma unroll
        for (int kk = 0; kk < D; kk += 16) {
            uint32_t a[4];
            loadMatrices(a, queryTile + (warp * 16 + lane % 16) * ld + kk + (lane / 16) * 8);
#pragma unroll
            for (int j = 0; j < 8; j += 2) {
                // Keys are rows of K: as K^T they are the column-major B operand.
                uint32_t bFrag[4];
                loadMatrices(bFrag, keyTile + ((j + lane / 16) * 8 + lane % 8) * ld + kk +
                                        (lane / 8) % 2 * 8);
                mma16x8x16<T>(acc[j], a, bFrag[0], bFrag[1]);
                mma16x8x16<T>(acc[j + 1], a, bFrag[2], bFrag[3]);
            }
        }

        const int row0 = q0 + warp * 16 + group, row1 = row0 + 8;
        // Last key each row sees (-1: a padding row sees none); never past the last key.
        const int last0 = row0 < s.queries ? s.prefix + row0 : -1;
        const int last1 = row1 < s.queries ? s.prefix + row1 : -1;
        const float lse0 = row0 < s.queries ? lseHead[row0] * kLog2e : 0.0f;
        const float lse1 = row1 < s.queries ? lseHead[row1] * kLog2e : 0.0f;
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            const int n = n0 + j * 8 + pair * 2;
#pragma unroll
            for (int c = 0; c < 2; ++c) {
                const float p0 = n + c <= last0 ? exp2f(acc[j][c] * scaleLog2 - lse0) : 0.0f;
                const float p1 = n + c <= last1 ? exp2f(acc[j][2 + c] * scaleLog2 - lse1) : 0.0f;
                columns[j][c] += p0 + p1;
            }
        }
        __syncthreads(); // this stage is refilled by the next iteration's prefetch
    }

    // Sum over the 8 row groups (lanes differing in bits 2-4), then over the 4 warps.
#pragma unroll
    for (int j = 0; j < 8; ++j) {
#pragma unroll
        for (int c = 0; c < 2; ++c) {
            float v = columns[j][c];
            v += __shfl_xor_sync(0xffffffffu, v, 4);
            v += __shfl_xor_sync(0xffffffffu, v, 8);
            v += __shfl_xor_sync(0xffffffffu, v, 16);
            if (group == 0)
                warpSums[warp][j * 8 + pair * 2 + c] = v;
        }
    }
    __syncthreads();
    if (threadIdx.x < kTile && n0 + int(threadIdx.x) < s.keys) {
        const int c = threadIdx.x;
        perHead[bh * s.keys + n0 + c] =
            ((warpSums[0][c] + warpSums[1][c]) + warpSums[2][c]) + warpSums[3][c];
    }
}

__global__ void averageHeads(const float *perHead, float *columnSums, int heads, int keys)
{
    const int n = blockIdx.x * blockDim.x + threadIdx.x, b = blockIdx.y;
    if (n >= keys)
        return;
    float total = 0.0f;
    for (int h = 0; h < heads; ++h)
        total += perHead[(size_t(b) * heads + h) * keys + n];
    columnSums[size_t(b) * keys + n] = total / float(heads);
}

template <typename T, int D>
cudaError_t launchStream(const ImportanceArgs &a, float *perHead, cudaStream_t stream)
{
    auto kernel = streamedTiles<T, D>;
    // Over the 48 KB default for D = 128; the attribute is per function and cheap to set.
    if (cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                             int(sharedBytes<D>()));
        e != cudaSuccess)
        return e;
    const StreamShape s{a.heads, a.kvHeads, a.queries, a.keys, a.keys - a.queries};
    const dim3 grid((a.keys + kTile - 1) / kTile, a.heads, a.batch);
    kernel<<<grid, kThreads, sharedBytes<D>(), stream>>>(static_cast<const uint16_t *>(a.q),
                                                         static_cast<const uint16_t *>(a.k), a.lse,
                                                         perHead, s, a.scale * kLog2e);
    if (cudaError_t e = cudaGetLastError(); e != cudaSuccess)
        return e;
    averageHeads<<<dim3((a.keys + 255) / 256, a.batch), 256, 0, stream>>>(perHead, a.columnSums,
                                                                          a.heads, a.keys);
    return cudaGetLastError();
}

} // namespace

bool importanceStreamedApplies(const ImportanceArgs &a)
{
    return a.dtype != DType::F32 && (a.headDim == 64 || a.headDim == 128) && aligned16(a.q) &&
           aligned16(a.k) && a.heads <= 65535 && a.batch <= 65535;
}

size_t importanceStreamedWorkspaceBytes(const ImportanceArgs &a)
{
    return size_t(a.batch) * a.heads * a.keys * sizeof(float);
}

cudaError_t importanceStreamed(const ImportanceArgs &a, void *workspace, cudaStream_t stream)
{
    auto *perHead = static_cast<float *>(workspace);
    if (a.dtype == DType::F16)
        return a.headDim == 64 ? launchStream<__half, 64>(a, perHead, stream)
                               : launchStream<__half, 128>(a, perHead, stream);
    return a.headDim == 64 ? launchStream<__nv_bfloat16, 64>(a, perHead, stream)
                           : launchStream<__nv_bfloat16, 128>(a, perHead, stream);
}

} // namespace ec::kernels::cuda
