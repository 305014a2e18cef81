// A backend without a neural network: it validates model folders like the real one, answers with
// deterministic Markdown, and simulates the KV cache arithmetic of a LLaVA-1.5-7B-sized model
// (entries, bytes, merges, evictions under the budget). Used by tests, screenshots and builds
// without the engine.
#pragma once

#include "app/chat/chat_backend.h"

#include <chrono>

namespace ec::app {

struct ScriptedBackendOptions
{
    std::chrono::milliseconds tokenDelay{15};
    std::chrono::milliseconds loadDelay{30};            // per progress step
    std::int64_t bytesPerToken = 2 * 32 * 32 * 128 * 2; // K+V, 32 layers, 32 heads, d 128, f16
    std::int64_t tokensPerImage = 576;
    std::int64_t maxContext = 4096;
    // Replaces the built-in answer when set.
    std::function<std::string(const BackendTurn &user)> answer;
};

class ScriptedBackend : public ChatBackend
{
public:
    explicit ScriptedBackend(ScriptedBackendOptions options = {});

    std::string validate(const std::filesystem::path &dir) const override;
    BackendModelInfo load(const std::filesystem::path &dir, const BackendLoadOptions &options,
                          const ProgressFn &progress) override;
    bool isLoaded() const override { return m_loaded; }
    void setConversation(const std::vector<BackendTurn> &history) override;
    BackendTurnResult generate(const BackendTurn &user, const cache::CacheChoice &cache,
                               const BackendSampling &sampling, const TextFn &onText,
                               const std::atomic<bool> &cancel) override;

    std::int64_t tokensSeen() const { return m_tokensSeen; }
    std::int64_t entries() const { return m_entries; }

private:
    std::int64_t promptTokens(const BackendTurn &turn) const;
    std::string answerFor(const BackendTurn &user) const;

    ScriptedBackendOptions m_options;
    bool m_loaded = false;
    std::string m_device = "cpu";
    std::int64_t m_tokensSeen = 0;
    std::int64_t m_entries = 0;
    std::int64_t m_pendingHistoryTokens = 0; // re-encoded at the next turn
};

} // namespace ec::app
