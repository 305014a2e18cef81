// The interface every model family implements (LLaVA now, Qwen-VL later), and how a checkpoint
// folder becomes a model.
//
// A family implements logits(): it rotates the new tokens from step.firstPosition() and attends
// through step.attend() in every layer. The cache protocol around it (slot writes, the
// attention the policy observes, compaction) is cache::ForwardStep's, driven by forward().
#pragma once

#include "cache/cache_policy.h"
#include "cache/forward_step.h"
#include "cache/kv_cache.h"
#include "kernels/packed_linear.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ec::engine {

struct ModelInfo
{
    std::string family; // "llava"
    int64_t layers = 0, kvHeads = 0, headDim = 0, hiddenSize = 0;
    int64_t vocabSize = 0;
    int64_t maxPositions = 0;
    int64_t imageTokenId = -1;
    int64_t tokensPerImage = 0; // image-token positions one image fills
    int64_t imageSize = 0;      // pixels are [N, channels, imageSize, imageSize]
    int64_t imageChannels = 3;
    int64_t bosTokenId = 1;
    std::vector<int64_t> eosTokenIds;
    at::ScalarType dtype = at::kFloat; // activations and the KV cache
    at::Device device = at::kCPU;
    std::string weightFormat = "f32";  // of the linear layers (kernels::WeightFormat)
    int64_t weightBytes = 0;           // every weight as stored
    int64_t bytesPerToken = 0;         // weight bytes one decode step reads
};

struct ForwardInput
{
    at::Tensor ids;    // [B, n] int64, the new tokens
    at::Tensor pixels; // [N, C, H, W] float, or undefined: images whose features fill the
                       // image-token positions of ids, in row-major order
};

enum class LogitsMode { Last, All };

struct ForwardOutput
{
    at::Tensor logits; // float32 [B, n, V] (All) or [B, 1, V] (Last)
    cache::CompactionStats compaction;
};

class VisionLanguageModel
{
public:
    virtual ~VisionLanguageModel() = default;
    virtual const ModelInfo &info() const = 0;
    // Runs the new tokens on top of the cache and compacts it under `policy`. On an exception
    // the cache is left as it was before the call.
    ForwardOutput forward(const ForwardInput &input, cache::KvCache &cache,
                          cache::CachePolicy &policy, int64_t tokensSeenBefore, cache::Phase phase,
                          LogitsMode mode);
    // The family's network: float32 logits [B, n, V] (All) or [B, 1, V] (Last) of the new
    // tokens, every layer attending through `step`.
    virtual at::Tensor logits(const ForwardInput &input, cache::ForwardStep &step,
                              LogitsMode mode) = 0;

    cache::CacheLayout cacheLayout(int64_t batch) const;
};

struct LoadOptions
{
    std::string device = "auto"; // auto | cpu | cuda | cuda:N
    std::string dtype = "auto";  // auto | f32 | bf16 | f16
    std::string weights = "auto"; // auto | f32 | bf16 | f16 | q8 | q4
};

struct Placement
{
    at::Device device = at::kCPU;
    at::ScalarType dtype = at::kFloat;
    kernels::WeightFormat weights = kernels::WeightFormat::F32;
};
// auto device = CUDA when the linked torch has it; auto dtype = f32 on CPU, the checkpoint's
// f16/bf16 on CUDA. CPU f16 is refused as the compute dtype (slow, unsupported ops in torch
// 1.13); f16 weights with f32 compute are fine. auto weights = the compute dtype, except on the
// CPU for a checkpoint of more than kCpuHalfWeightsAbove bytes as float32: f16 there (half the
// memory, decode ~1.7x faster, same prefill; docs/cpu.md). `checkpointBytes` is the size of its
// weight files. q8/q4 on CUDA are unpacked per matrix product: they save memory, not time.
constexpr int64_t kCpuHalfWeightsAbove = 1000LL * 1000 * 1000;
Placement resolvePlacement(const LoadOptions &options, const std::string &checkpointDtype,
                           int64_t checkpointBytes = 0);

// Reads config.json, picks the family from model_type and loads the weights.
std::unique_ptr<VisionLanguageModel> loadModel(const std::filesystem::path &dir,
                                               const LoadOptions &options = {});

} // namespace ec::engine
