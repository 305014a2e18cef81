// Slot move and slot write for all layers (declared in merge_compact.h).
#include "kernels/cuda_dispatch.h"
#include "kernels/merge_compact.h"

#include <ATen/ATen.h>
#include <cstring>
#include <stdexcept>

namespace ec::kernels {

namespace {

void checkLayers(const std::vector<at::Tensor> &keys, const std::vector<at::Tensor> &values,
                 int64_t slot, const char *what)
{
    if (keys.size() != values.size())
        throw std::invalid_argument(std::string(what) + ": as many K as V layers");
    for (size_t l = 0; l < keys.size(); ++l) {
        if (keys[l].dim() != 4 || values[l].sizes() != keys[l].sizes())
            throw std::invalid_argument(std::string(what) + ": K and V must be [B, H, C, D]");
        if (slot < 0 || slot >= keys[l].size(2))
            throw std::invalid_argument(std::string(what) + ": slot out of range");
    }
}

// dst[:, :, dstSlot] = src[:, :, srcSlot] on the CPU. A decode step does this for 64 tensors
// of a few KB, so ATen's per-op overhead would dominate: rows of D contiguous elements are
// memcpy'd directly, other layouts go through select + copy_.
void copySlotCpu(at::Tensor &dst, int64_t dstSlot, const at::Tensor &src, int64_t srcSlot)
{
    const bool rows = dst.scalar_type() == src.scalar_type() && dst.stride(3) == 1 &&
                      src.stride(3) == 1 && src.size(0) == dst.size(0) &&
                      src.size(1) == dst.size(1) && src.size(3) == dst.size(3);
    if (!rows) {
        dst.select(2, dstSlot).copy_(src.select(2, srcSlot));
        return;
    }
    const size_t rowBytes = size_t(dst.size(3) * dst.element_size());
    char *d = static_cast<char *>(dst.data_ptr());
    const char *s = static_cast<const char *>(src.data_ptr());
    const int64_t e = dst.element_size();
    for (int64_t b = 0; b < dst.size(0); ++b)
        for (int64_t h = 0; h < dst.size(1); ++h)
            std::memcpy(d + (b * dst.stride(0) + h * dst.stride(1) + dstSlot * dst.stride(2)) * e,
                        s + (b * src.stride(0) + h * src.stride(1) + srcSlot * src.stride(2)) * e,
                        rowBytes);
}

} // namespace

void moveSlot(std::vector<at::Tensor> &keys, std::vector<at::Tensor> &values, int64_t from,
              int64_t to)
{
    checkLayers(keys, values, from, "moveSlot");
    checkLayers(keys, values, to, "moveSlot");
    if (from == to || keys.empty())
        return;
    if (keys[0].is_cuda()) {
        detail::cudaCopySlots(keys, values, keys, values, to, from);
        return;
    }
    for (size_t l = 0; l < keys.size(); ++l) {
        copySlotCpu(keys[l], to, keys[l], from);
        copySlotCpu(values[l], to, values[l], from);
    }
}

void writeSlot(std::vector<at::Tensor> &keys, std::vector<at::Tensor> &values,
               const std::vector<at::Tensor> &newKeys, const std::vector<at::Tensor> &newValues,
               int64_t slot)
{
    checkLayers(keys, values, slot, "writeSlot");
    if (newKeys.size() != keys.size() || newValues.size() != keys.size())
        throw std::invalid_argument("writeSlot: one new K and V per layer");
    const bool cuda = !keys.empty() && keys[0].is_cuda();
    // As [B, H, 1, D] in the storage's dtype and device; no ATen op when it already is.
    auto asSource = [cuda](const at::Tensor &t, const at::Tensor &storage) {
        const auto B = storage.size(0), H = storage.size(1), D = storage.size(3);
        if (t.numel() != B * H * D)
            throw std::invalid_argument("writeSlot: new K/V must be [B, H, 1, D]");
        at::Tensor r = t.dim() == 4 && t.size(2) == 1 ? t : t.reshape({B, H, 1, D});
        if (r.scalar_type() != storage.scalar_type() || r.device() != storage.device())
            r = r.to(storage.options());
        return cuda ? r.contiguous() : r;
    };
    std::vector<at::Tensor> srcK(keys.size()), srcV(keys.size());
    for (size_t l = 0; l < keys.size(); ++l) {
        srcK[l] = asSource(newKeys[l], keys[l]);
        srcV[l] = asSource(newValues[l], values[l]);
    }
    if (cuda) {
        detail::cudaCopySlots(keys, values, srcK, srcV, slot, 0);
        return;
    }
    for (size_t l = 0; l < keys.size(); ++l) {
        copySlotCpu(keys[l], slot, srcK[l], 0);
        copySlotCpu(values[l], slot, srcV[l], 0);
    }
}

} // namespace ec::kernels
