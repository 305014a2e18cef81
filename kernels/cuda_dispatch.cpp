#include "kernels/cuda_dispatch.h"

#include <ATen/ATen.h>
#include <stdexcept>
#include <string>

#if defined(EC_HAVE_CUDA_KERNELS) && defined(EC_TORCH_HAS_CUDA)
#if __has_include(<c10/cuda/CUDAStream.h>)
#define EC_CUDA_DISPATCH 1
#endif
#endif

#ifdef EC_CUDA_DISPATCH
#include "kernels/cuda/cache_kernels.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/version.h>
#endif

namespace ec::kernels::detail {

#ifdef EC_CUDA_DISPATCH

namespace {

cuda::DType dtypeOf(const at::Tensor &t)
{
    switch (t.scalar_type()) {
    case at::kFloat:
        return cuda::DType::F32;
    case at::kHalf:
        return cuda::DType::F16;
    case at::kBFloat16:
        return cuda::DType::BF16;
    default:
        throw std::invalid_argument("CUDA kernels: dtype must be float32, float16 or bfloat16");
    }
}

void check(cudaError_t status, const char *what)
{
    if (status != cudaSuccess)
        throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

cudaStream_t currentStream(const at::Tensor &t)
{
    return c10::cuda::getCurrentCUDAStream(t.device().index()).stream();
}

// Stream-ordered scratch from torch's caching allocator (safe to free before the kernel ends).
at::Tensor scratch(size_t bytes, const at::Tensor &like)
{
    return at::empty({int64_t(bytes > 0 ? bytes : 1)}, like.options().dtype(at::kByte));
}

void requireContiguous(const at::Tensor &t, const char *what)
{
    if (!t.is_cuda() || !t.is_contiguous())
        throw std::invalid_argument(std::string(what) + ": CUDA storage must be contiguous");
}

} // namespace

bool cudaDispatchCompiled()
{
    return true;
}

at::Tensor cudaColumnSumsFromLse(const at::Tensor &q, const at::Tensor &k, const at::Tensor &lse,
                                 double scale)
{
    c10::cuda::CUDAGuard guard(q.device());
    const at::Tensor qc = q.contiguous();
    const at::Tensor kc = k.to(q.device(), q.scalar_type()).contiguous();
    const at::Tensor lc = lse.to(q.device(), at::kFloat).contiguous();
    at::Tensor out = at::empty({q.size(0), k.size(2)}, q.options().dtype(at::kFloat));
    cuda::ImportanceArgs a;
    a.q = qc.data_ptr();
    a.k = kc.data_ptr();
    a.lse = lc.data_ptr<float>();
    a.columnSums = out.data_ptr<float>();
    a.batch = int(q.size(0));
    a.heads = int(q.size(1));
    a.kvHeads = int(k.size(1));
    a.queries = int(q.size(2));
    a.keys = int(k.size(2));
    a.headDim = int(q.size(3));
    a.scale = float(scale);
    a.dtype = dtypeOf(q);
    a.device = q.device().index();
    at::Tensor ws = scratch(cuda::importanceWorkspaceBytes(a), q);
    check(cuda::importance(a, ws.data_ptr(), currentStream(q)), "importance kernel");
    return out;
}

bool cudaFlashDecode(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, double scale,
                     at::Tensor &out, at::Tensor &lse)
{
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    const at::ScalarType dtype = q.scalar_type();
    const int64_t B = q.size(0), H = q.size(1), D = q.size(3), rep = H / k.size(1);
    if (q.size(2) != 1 || (dtype != at::kHalf && dtype != at::kBFloat16) ||
        k.scalar_type() != dtype || v.scalar_type() != dtype || D % 8 != 0 || D > 256 ||
        k.stride(-1) != 1 || v.stride(-1) != 1)
        return false;
    if (at::cuda::getDeviceProperties(q.device().index())->major < 8)
        return false;
    c10::cuda::CUDAGuard guard(q.device());
    // The rep query heads of a key head become the rows of one flash sequence, so K and V are
    // read once per key head; with one query per sequence every row sees every key: no mask.
    const at::Tensor qg = q.reshape({B, k.size(1), rep, D});
    auto result = at::_scaled_dot_product_flash_attention(qg, k, v, 0.0, /*is_causal=*/false,
                                                          /*return_debug_mask=*/false, scale);
    out = std::get<0>(result).reshape({B, H, 1, D});
    lse = std::get<1>(result).narrow(2, 0, rep).reshape({B, H, 1});
    return true;
#else
    (void)q, (void)k, (void)v, (void)scale, (void)out, (void)lse;
    return false;
#endif
}

void cudaMergeCompact(at::Tensor &keys, at::Tensor &values, const at::Tensor &assign,
                      int64_t outSlots)
{
    requireContiguous(keys, "mergeCompact");
    requireContiguous(values, "mergeCompact");
    if (values.scalar_type() != keys.scalar_type() || values.device() != keys.device())
        throw std::invalid_argument("mergeCompact: K and V differ in dtype or device");
    c10::cuda::CUDAGuard guard(keys.device());
    const at::Tensor ac = assign.to(keys.device()).contiguous();
    // The CPU version throws on this; one host sync per layer keeps the contract.
    if (ac.numel() > 0 && (ac >= outSlots).any().item<bool>())
        throw std::invalid_argument("mergeCompact: assign names a slot >= outSlots");
    cuda::MergeArgs a;
    a.keys = keys.data_ptr();
    a.values = values.data_ptr();
    a.assign = ac.data_ptr<int64_t>();
    a.batch = int(keys.size(0));
    a.heads = int(keys.size(1));
    a.capacity = int(keys.size(2));
    a.headDim = int(keys.size(3));
    a.liveSlots = int(ac.size(1));
    a.outSlots = int(outSlots);
    a.dtype = dtypeOf(keys);
    a.device = keys.device().index();
    at::Tensor ws = scratch(cuda::mergeCompactWorkspaceBytes(a), keys);
    check(cuda::mergeCompact(a, ws.data_ptr(), currentStream(keys)), "merge-compact kernel");
}

void cudaCopySlots(const std::vector<at::Tensor> &dstKeys, const std::vector<at::Tensor> &dstValues,
                   const std::vector<at::Tensor> &srcKeys, const std::vector<at::Tensor> &srcValues,
                   int64_t dstSlot, int64_t srcSlot)
{
    const size_t layers = dstKeys.size();
    if (layers == 0)
        return;
    const at::Tensor &first = dstKeys[0];
    std::vector<void *> dk(layers), dv(layers);
    std::vector<const void *> sk(layers), sv(layers);
    for (size_t l = 0; l < layers; ++l) {
        for (const at::Tensor *t : {&dstKeys[l], &dstValues[l], &srcKeys[l], &srcValues[l]}) {
            requireContiguous(*t, "slot copy");
            if (t->scalar_type() != first.scalar_type() || t->device() != first.device())
                throw std::invalid_argument("slot copy: every layer needs one dtype and device");
        }
        if (dstKeys[l].sizes() != first.sizes() || dstValues[l].sizes() != first.sizes() ||
            srcKeys[l].sizes() != srcKeys[0].sizes() || srcValues[l].sizes() != srcKeys[0].sizes())
            throw std::invalid_argument("slot copy: every layer needs the same shape");
        dk[l] = dstKeys[l].data_ptr();
        dv[l] = dstValues[l].data_ptr();
        sk[l] = srcKeys[l].data_ptr();
        sv[l] = srcValues[l].data_ptr();
    }
    c10::cuda::CUDAGuard guard(first.device());
    cuda::SlotCopyArgs a;
    a.layers = int(layers);
    a.dstKeys = dk.data();
    a.dstValues = dv.data();
    a.srcKeys = sk.data();
    a.srcValues = sv.data();
    a.batch = int(first.size(0));
    a.heads = int(first.size(1));
    a.headDim = int(first.size(3));
    a.dstCapacity = int(first.size(2));
    a.srcCapacity = int(srcKeys[0].size(2));
    a.dstSlot = int(dstSlot);
    a.srcSlot = int(srcSlot);
    a.dtype = dtypeOf(first);
    a.device = first.device().index();
    check(cuda::copySlots(a, currentStream(first)), "slot copy kernel");
}

#else // no CUDA dispatch in this build

namespace {
[[noreturn]] void unavailable()
{
    throw std::runtime_error("CUDA tensor given, but this build has no CUDA kernels or its torch "
                             "has no CUDA");
}
} // namespace

bool cudaDispatchCompiled()
{
    return false;
}

at::Tensor cudaColumnSumsFromLse(const at::Tensor &, const at::Tensor &, const at::Tensor &, double)
{
    unavailable();
}

bool cudaFlashDecode(const at::Tensor &, const at::Tensor &, const at::Tensor &, double,
                     at::Tensor &, at::Tensor &)
{
    return false;
}

void cudaMergeCompact(at::Tensor &, at::Tensor &, const at::Tensor &, int64_t)
{
    unavailable();
}

void cudaCopySlots(const std::vector<at::Tensor> &, const std::vector<at::Tensor> &,
                   const std::vector<at::Tensor> &, const std::vector<at::Tensor> &, int64_t,
                   int64_t)
{
    unavailable();
}

#endif

} // namespace ec::kernels::detail
