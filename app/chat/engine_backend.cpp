#include "app/chat/engine_backend.h"

#include "engine/checkpoint/llava_config.h"
#include "engine/checkpoint/model_folder.h"
#include "engine/image/clip_preprocess.h"
#include "engine/image/image_decode.h"
#include "engine/image/pixel_tensor.h"
#include "engine/image/preprocess_config.h"
#include "engine/model/vision_language_model.h"
#include "engine/runtime.h"
#include "engine/chat/chat_session.h"
#include "engine/session.h"
#include "engine/text/chat_template.h"
#include "engine/text/tokenizer.h"

#include <ATen/ATen.h>
#include <chrono>
#include <optional>

namespace ec::app {

namespace fs = std::filesystem;

namespace {

std::string dtypeName(at::ScalarType type)
{
    switch (type) {
    case at::kFloat:
        return "f32";
    case at::kHalf:
        return "f16";
    case at::kBFloat16:
        return "bf16";
    default:
        return c10::toString(type);
    }
}

text::ChatRole chatRole(TurnRole role)
{
    switch (role) {
    case TurnRole::Assistant:
        return text::ChatRole::Assistant;
    case TurnRole::System:
        return text::ChatRole::System;
    default:
        return text::ChatRole::User;
    }
}

class EngineBackend : public ChatBackend
{
public:
    std::string validate(const fs::path &dir) const override
    {
        if (std::string problem = engine::checkpoint::validateLlavaFolder(dir); !problem.empty())
            return problem;
        try {
            engine::checkpoint::readLlavaConfig(dir); // unsupported settings are named here
        } catch (const std::exception &e) {
            return e.what();
        }
        std::error_code ec;
        if (!fs::exists(dir / "tokenizer.json", ec) && !fs::exists(dir / "tokenizer.model", ec))
            return "Neither tokenizer.json nor tokenizer.model is in " + dir.string() +
                   ": the tokenizer is part of the checkpoint.";
        return {};
    }

    BackendModelInfo load(const fs::path &dir, const BackendLoadOptions &options,
                          const ProgressFn &progress) override
    {
        auto report = [&](int percent, const char *stage) {
            if (progress)
                progress(percent, stage);
        };
        m_chat.reset();
        m_model.reset();
        report(5, "Reading config");
        engine::initRuntime(options.threads);
        report(15, "Loading weights");
        auto model = engine::loadModel(dir, {options.device, options.dtype, options.weights});
        engine::fitThreadsToModel(options.threads, model->info().bytesPerToken);
        report(85, "Tokenizer and template");
        const engine::ModelInfo &info = model->info();
        // Reads the tokenizer, chat template and preprocessor now, so a bad one fails the load.
        auto chat = std::make_unique<engine::ChatSession>(*model, dir);
        m_model = std::move(model);
        m_chat = std::move(chat);
        report(100, "Ready");

        BackendModelInfo out;
        out.name = dir.filename().empty() ? dir.parent_path().filename().string()
                                          : dir.filename().string();
        out.device = info.device.str();
        out.dtype = dtypeName(info.dtype);
        out.weights = info.weightFormat;
        out.weightBytes = info.weightBytes;
        out.bytesPerToken = m_model->cacheLayout(1).bytesPerToken();
        out.maxContext = info.maxPositions;
        out.tokensPerImage = info.tokensPerImage;
        m_weightBytes = out.weightBytes;
        return out;
    }

    bool isLoaded() const override { return m_model != nullptr; }

    void setConversation(const std::vector<BackendTurn> &history) override
    {
        if (!m_chat)
            return;
        m_chat->reset(); // first: an image that fails to decode must not leave the old one
        std::vector<engine::ChatTurn> turns;
        for (const BackendTurn &turn : history)
            turns.push_back(chatTurn(turn));
        m_chat->addHistory(std::move(turns)); // fed with the next turn
    }

    BackendTurnResult generate(const BackendTurn &user, const cache::CacheChoice &cache,
                               const BackendSampling &sampling, const TextFn &onText,
                               const std::atomic<bool> &cancel) override
    {
        if (!m_model)
            throw std::runtime_error("No model is loaded.");
        engine::ChatTurn turn = chatTurn(user);
        // A new policy or system prompt replays the conversation inside the chat session; the
        // budget applies from this turn's compaction.
        cache::PolicyConfig policy = m_chat->session().policy().config();
        policy.name = cache::policyName(cache.policy);
        policy.budget = cache.budget();
        m_chat->setPolicy(policy);
        m_chat->setSystemPrompt(sampling.systemPrompt);

        engine::GenerationOptions generation;
        generation.maxNewTokens = sampling.maxTokens;
        generation.sampler.temperature = sampling.temperature;
        generation.sampler.topP = sampling.topP;
        generation.sampler.seed =
            std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
        const std::int64_t entriesBefore =
            m_chat->replayPending() ? 0 : m_chat->session().cache().size();
        engine::ChatReply reply = m_chat->ask(user.text, turn.images, generation, onText, &cancel);

        BackendTurnResult out;
        out.text = reply.text;
        const auto &result = reply.result;
        out.cancelled =
            !result.stopReasons.empty() && result.stopReasons[0] == engine::StopReason::Cancelled;
        out.promptTokens = result.stats.promptTokens;
        out.completionTokens = std::int64_t(result.tokens.empty() ? 0 : result.tokens[0].size());
        fillStats(out.stats, result.stats, cache, entriesBefore, out.promptTokens);
        return out;
    }

private:
    engine::ChatTurn chatTurn(const BackendTurn &turn) const
    {
        engine::ChatTurn out{chatRole(turn.role), turn.text, {}};
        for (const BackendImage &image : turn.images) {
            std::string_view bytes(reinterpret_cast<const char *>(image.bytes.data()),
                                   image.bytes.size());
            out.images.push_back(m_chat->decodeImage(bytes));
        }
        return out;
    }

    void fillStats(TurnCacheStats &s, const engine::TurnStats &t, const cache::CacheChoice &cache,
                   std::int64_t entriesBefore, std::int64_t promptTokens) const
    {
        const std::int64_t bpt = m_model->cacheLayout(1).bytesPerToken();
        s.policy = cache::policyName(cache.policy);
        s.budgetBytes = cache.budgetBytes;
        // Before compaction: the history plus this prompt; after: what the cache holds now.
        s.entriesBefore = t.prefillCompaction.entriesBefore > 0 ? t.prefillCompaction.entriesBefore
                                                                : entriesBefore + promptTokens;
        s.bytesBefore = s.entriesBefore * bpt;
        s.entriesAfter = t.cacheEntries;
        s.bytesAfter = t.cacheBytes;
        s.merged = t.prefillCompaction.merged + t.decodeCompaction.merged;
        s.evicted = t.prefillCompaction.evicted + t.decodeCompaction.evicted;
        s.prefillMs = t.prefillMs;
        s.compactionMs = t.prefillCompaction.milliseconds + t.decodeCompaction.milliseconds;
        s.decodeTokens = t.decodeTokens;
        s.decodeMs = t.decodeMs;
        s.peakMemoryBytes = m_weightBytes + s.bytesBefore; // estimate: weights + cache
        s.device = m_model->info().device.str();
    }

    std::unique_ptr<engine::VisionLanguageModel> m_model;
    std::unique_ptr<engine::ChatSession> m_chat; // the conversation the engine holds
    std::int64_t m_weightBytes = 0;
};

} // namespace

std::unique_ptr<ChatBackend> makeEngineBackend()
{
    return std::make_unique<EngineBackend>();
}

} // namespace ec::app
