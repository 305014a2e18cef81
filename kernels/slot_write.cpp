// Slot move and slot write for all layers (declared in merge_compact.h).
#include "kernels/cuda_dispatch.h"
#include "kernels/merge_compact.h"

#include <ATen/ATen.h>
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
        keys[l].select(2, to).copy_(keys[l].select(2, from));
        values[l].select(2, to).copy_(values[l].select(2, from));
    }
}

void writeSlot(std::vector<at::Tensor> &keys, std::vector<at::Tensor> &values,
               const std::vector<at::Tensor> &newKeys, const std::vector<at::Tensor> &newValues,
               int64_t slot)
{
    checkLayers(keys, values, slot, "writeSlot");
    if (newKeys.size() != keys.size() || newValues.size() != keys.size())
        throw std::invalid_argument("writeSlot: one new K and V per layer");
    std::vector<at::Tensor> srcK(keys.size()), srcV(keys.size());
    for (size_t l = 0; l < keys.size(); ++l) {
        const auto B = keys[l].size(0), H = keys[l].size(1), D = keys[l].size(3);
        if (newKeys[l].numel() != B * H * D || newValues[l].numel() != B * H * D)
            throw std::invalid_argument("writeSlot: new K/V must be [B, H, 1, D]");
        srcK[l] = newKeys[l].reshape({B, H, 1, D}).to(keys[l].options()).contiguous();
        srcV[l] = newValues[l].reshape({B, H, 1, D}).to(values[l].options()).contiguous();
    }
    if (!keys.empty() && keys[0].is_cuda()) {
        detail::cudaCopySlots(keys, values, srcK, srcV, slot, 0);
        return;
    }
    for (size_t l = 0; l < keys.size(); ++l) {
        keys[l].select(2, slot).copy_(srcK[l].select(2, 0));
        values[l].select(2, slot).copy_(srcV[l].select(2, 0));
    }
}

} // namespace ec::kernels
