#include "engine/checkpoint/llava_config.h"
#include "engine/model/llava_model.h"
#include "engine/model/vision_language_model.h"

#include <ATen/Context.h>
#include <filesystem>
#include <stdexcept>

namespace ec::engine {

ForwardOutput VisionLanguageModel::forward(const ForwardInput &input, cache::KvCache &cache,
                                           cache::CachePolicy &policy, int64_t tokensSeenBefore,
                                           cache::Phase phase, LogitsMode mode)
{
    if (input.ids.dim() != 2 || input.ids.size(1) == 0)
        throw std::invalid_argument("forward: ids must be [B, n] with n >= 1");
    if (input.ids.size(0) != cache.layout().batch)
        throw std::invalid_argument("forward: batch of ids differs from the cache's batch");
    cache::ForwardStep step(cache, policy, phase, tokensSeenBefore, input.ids.size(1));
    ForwardOutput out;
    out.logits = logits(input, step, mode);
    out.compaction = step.commit();
    return out;
}

cache::CacheLayout VisionLanguageModel::cacheLayout(int64_t batch) const
{
    const auto &i = info();
    cache::CacheLayout layout;
    layout.layers = i.layers;
    layout.batch = batch;
    layout.kvHeads = i.kvHeads;
    layout.headDim = i.headDim;
    layout.dtype = i.dtype;
    layout.device = i.device;
    return layout;
}

namespace {

// What the checkpoint's weight files hold on disk, in bytes.
int64_t weightFileBytes(const std::filesystem::path &dir)
{
    int64_t bytes = 0;
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
        if (entry.path().extension() != ".safetensors")
            continue;
        const auto size = entry.file_size(error);
        if (!error)
            bytes += static_cast<int64_t>(size);
    }
    return bytes;
}

} // namespace

Placement resolvePlacement(const LoadOptions &options, const std::string &checkpointDtype,
                           int64_t checkpointBytes)
{
    Placement p;
    const std::string &dev = options.device;
    if (dev == "auto") {
        p.device = at::hasCUDA() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
    } else if (dev == "cpu") {
        p.device = at::kCPU;
    } else if (dev.rfind("cuda", 0) == 0) {
        if (!at::hasCUDA())
            throw std::runtime_error("device '" + dev +
                                     "': this build's torch has no CUDA; use "
                                     "--device cpu");
        try {
            p.device = at::Device(dev);
        } catch (const std::exception &) {
            throw std::runtime_error("device '" + dev + "' is not valid; use cuda or cuda:N");
        }
    } else {
        throw std::runtime_error("device '" + dev + "' is not known; use auto, cpu or cuda[:N]");
    }
    const bool cuda = p.device.is_cuda();
    const std::string &dt = options.dtype;
    if (dt == "auto") {
        p.dtype = !cuda ? at::kFloat : checkpointDtype == "bfloat16" ? at::kBFloat16 : at::kHalf;
    } else if (dt == "f32" || dt == "float32") {
        p.dtype = at::kFloat;
    } else if (dt == "bf16" || dt == "bfloat16") {
        p.dtype = at::kBFloat16;
    } else if (dt == "f16" || dt == "float16") {
        if (!cuda)
            throw std::runtime_error("dtype f16 is not supported on the CPU; use f32 or bf16");
        p.dtype = at::kHalf;
    } else {
        throw std::runtime_error("dtype '" + dt + "' is not known; use auto, f32, bf16 or f16");
    }
    if (options.weights == "auto") {
        p.weights = p.dtype == at::kBFloat16 ? kernels::WeightFormat::BF16
                    : p.dtype == at::kHalf   ? kernels::WeightFormat::F16
                                             : kernels::WeightFormat::F32;
        const bool half = checkpointDtype == "float16" || checkpointDtype == "bfloat16";
        const int64_t asFloat32 = half ? checkpointBytes * 2 : checkpointBytes;
        if (!cuda && p.dtype == at::kFloat && asFloat32 > kCpuHalfWeightsAbove)
            p.weights = kernels::WeightFormat::F16;
    } else if (auto f = kernels::parseWeightFormat(options.weights)) {
        p.weights = *f;
    } else {
        throw std::runtime_error("weights '" + options.weights +
                                 "' is not known; use auto, f32, bf16, f16, q8 or q4");
    }
    return p;
}

std::unique_ptr<VisionLanguageModel> loadModel(const std::filesystem::path &dir,
                                               const LoadOptions &options)
{
    const std::string type = checkpoint::readModelType(dir);
    if (type == "llava") {
        const auto config = checkpoint::readLlavaConfig(dir);
        return model::LlavaModel::load(
            dir, resolvePlacement(options, config.torchDtype, weightFileBytes(dir)));
    }
    throw std::runtime_error((dir / "config.json").string() + ": model_type '" + type +
                             "' is not supported; this engine runs LLaVA-1.5 (model_type llava)");
}

} // namespace ec::engine
