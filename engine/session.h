// One conversation on one KV cache: user turns enter as token ids (image positions expanded)
// plus preprocessed image pixels; generate() prefills the pending turn on top of the (possibly
// compacted) history, then decodes token by token with streaming, cancellation and stop rules.
//
// Text is outside this class: a tokenizer and chat template turn text into UserTurn ids, and a
// Detokenizer (the adapter point) turns generated ids back into text for streaming and stop
// strings. A Session with batch B > 1 runs B same-length rows in lockstep (benchmarks).
#pragma once

#include "cache/cache_policy.h"
#include "cache/kv_cache.h"
#include "engine/model/vision_language_model.h"
#include "engine/sampler.h"

#include <ATen/core/Tensor.h>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ec::engine {

class Detokenizer
{
public:
    virtual ~Detokenizer() = default;
    // Text of a whole id sequence (special tokens skipped). May end in an incomplete UTF-8
    // character; the session holds such bytes back until they complete.
    virtual std::string decode(const std::vector<int64_t> &ids) const = 0;
};

struct UserTurn
{
    std::vector<int64_t> ids;       // tokensPerImage copies of the image token per image
    std::vector<at::Tensor> images; // [C, H, W] or [1, C, H, W] each, in prompt order
};

// Replaces every single image marker by `tokensPerImage` copies (prompts tokenized with one
// <image> per image, as older transformers and the original LLaVA do).
std::vector<int64_t> expandImageMarkers(const std::vector<int64_t> &ids, int64_t imageTokenId,
                                        int64_t tokensPerImage);

struct GenerationOptions
{
    int64_t maxNewTokens = 256;
    SamplerOptions sampler;
    std::vector<int64_t> stopIds;         // besides the model's EOS ids
    std::vector<std::string> stopStrings; // need a Detokenizer
    bool keepLogits = false;              // TurnResult::logits
};

enum class StopReason { Eos, StopId, StopString, MaxTokens, ContextLimit, Cancelled };
const char *stopReasonName(StopReason reason);

struct StreamEvent
{
    int64_t row = 0;
    int64_t token = 0; // -1: end-of-turn flush of text held back for stop strings
    std::string text;  // newly completed text (empty without a Detokenizer)
};
using StreamCallback = std::function<void(const StreamEvent &)>;

struct TurnStats
{
    int64_t promptTokens = 0; // per row, carried token included
    double prefillMs = 0;
    int64_t decodeTokens = 0; // decode forwards (tokens fed after the prompt)
    double decodeMs = 0;
    int64_t cacheEntries = 0; // after the turn
    int64_t cacheBytes = 0;
    int64_t tokensSeen = 0;
    cache::CompactionStats prefillCompaction; // afterForward of the prompt
    cache::CompactionStats decodeCompaction;  // accumulated over decode steps
};

struct TurnResult
{
    std::vector<std::vector<int64_t>> tokens; // per row, sampled ids (stop id included)
    std::vector<std::string> text;            // per row, with a Detokenizer
    std::vector<StopReason> stopReasons;      // per row
    TurnStats stats;
    at::Tensor logits; // with keepLogits: float32 [B, steps, V]; row 0 = last prompt position
};

struct SessionOptions
{
    cache::PolicyConfig policy; // "full" unless set
    int64_t batch = 1;
    int64_t maxContext = 0; // 0 = the model's max_position_embeddings
    std::shared_ptr<const Detokenizer> detokenizer;
};

class Session
{
public:
    explicit Session(VisionLanguageModel &model, SessionOptions options = {});
    // With a policy built elsewhere (tests, experiments); options.policy is then ignored.
    Session(VisionLanguageModel &model, SessionOptions options,
            std::unique_ptr<cache::CachePolicy> policy);
    ~Session();

    // Queues a turn (batch 1). Validates ids and images against the model first and throws
    // without changing the session when they do not fit.
    void addUserTurn(UserTurn turn);
    // One turn per row, all of the same length (batch B).
    void addUserTurns(std::vector<UserTurn> turns);
    // Takes back what the last addUserTurn(s) queued when its prefill failed (a token carried
    // from the previous answer stays queued) and returns true. Once the prefill ran there is
    // nothing to take back: false, and the cache holds the turn.
    bool unqueueLastTurn();

    // Prefills what is queued and generates. `onToken` sees every sampled token; `cancel` is
    // read before every decode step. A final token that is not a stop id is fed at the start
    // of the next turn; a stop id ends the turn and is not fed (the template writes it again).
    TurnResult generate(const GenerationOptions &options, const StreamCallback &onToken = {},
                        const std::atomic<bool> *cancel = nullptr);

    // Feeds what is queued without sampling (teacher forcing, inspection) and returns its
    // logits, float32 [B, n, V] (All) or [B, 1, V] (Last).
    ForwardOutput feed(LogitsMode mode, cache::Phase phase = cache::Phase::Prefill);

    void reset();
    // Starts over on an empty cache under another policy.
    void reset(const cache::PolicyConfig &policy);
    int64_t tokensSeen() const { return tokensSeen_; }
    const cache::KvCache &cache() const { return *cache_; }
    cache::CachePolicy &policy() { return *policy_; }
    VisionLanguageModel &model() { return model_; }
    // Every id fed to the cache for row r, in order (the repetition penalty reads it).
    const std::vector<int64_t> &history(int64_t row = 0) const { return history_.at(row); }
    int64_t maxContext() const { return maxContext_; }

private:
    at::Tensor imagesOf(const std::vector<at::Tensor> &images) const;
    ForwardOutput forwardPending(LogitsMode mode, cache::Phase phase);
    ForwardOutput forwardTokens(const std::vector<int64_t> &perRow, cache::Phase phase);
    void checkTurn(const UserTurn &turn) const;

    VisionLanguageModel &model_;
    SessionOptions options_;
    int64_t maxContext_ = 0;
    std::unique_ptr<cache::KvCache> cache_;
    std::unique_ptr<cache::CachePolicy> policy_;
    int64_t tokensSeen_ = 0;
    std::vector<std::vector<int64_t>> pendingIds_;
    std::vector<std::vector<at::Tensor>> pendingImages_;
    std::vector<std::pair<size_t, size_t>> lastQueued_; // pending sizes before the last turn
    std::vector<std::vector<int64_t>> history_;
};

} // namespace ec::engine
