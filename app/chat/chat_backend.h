// The engine as the chat controller sees it: load a model, keep one conversation's cache, run a
// turn with streaming and cancellation. Plain C++ (no Qt, no torch) so that the controller and
// every widget can be tested against a scripted backend, and the real one stays behind a .cpp.
// A backend is used from one thread only (the EngineWorker's).
#pragma once

#include "cache/cache_choice.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ec::app {

struct BackendImage
{
    std::vector<unsigned char> bytes; // encoded (PNG, JPEG, ...)
    std::string mime;
    int width = 0;
    int height = 0;
};

enum class TurnRole { System, User, Assistant };

struct BackendTurn
{
    TurnRole role = TurnRole::User;
    std::string text;
    std::vector<BackendImage> images;
};

struct BackendLoadOptions
{
    std::string device = "auto"; // auto | cpu | cuda | cuda:N
    std::string dtype = "auto";  // auto | f32 | bf16 | f16
    std::string weights = "auto"; // auto | f32 | bf16 | f16 | q8 | q4 (the linear layers)
    int threads = 0;             // 0 = all hardware threads
};

struct BackendModelInfo
{
    std::string name;   // folder name, for the status bar
    std::string device; // "cpu", "cuda:0"
    std::string dtype;  // "f32", "bf16", "f16"
    std::string weights; // the linear layers' format: "f32" ... "q4"
    std::int64_t weightBytes = 0; // in memory, as stored
    std::int64_t bytesPerToken = 0; // KV cache bytes one entry costs (all layers, K and V)
    std::int64_t maxContext = 0;
    std::int64_t tokensPerImage = 0;
};

struct BackendSampling
{
    double temperature = 0.2;
    double topP = 0.9;
    int maxTokens = 512;
    std::string systemPrompt;
};

// What one turn did to the cache, as the engine measured it.
struct TurnCacheStats
{
    std::string policy;           // the policy's name
    std::int64_t budgetBytes = 0; // the cap it ran under; 0 = none
    std::int64_t entriesBefore = 0, entriesAfter = 0;
    std::int64_t bytesBefore = 0, bytesAfter = 0;
    std::int64_t merged = 0, evicted = 0;
    double prefillMs = 0, compactionMs = 0;
    std::int64_t decodeTokens = 0;
    double decodeMs = 0;
    std::int64_t peakMemoryBytes = 0;
    std::string device;
};

struct BackendTurnResult
{
    std::string text;
    bool cancelled = false;
    std::int64_t promptTokens = 0;
    std::int64_t completionTokens = 0;
    TurnCacheStats stats;
};

using ProgressFn = std::function<void(int percent, const std::string &stage)>;
using TextFn = std::function<void(const std::string &delta)>;

class ChatBackend
{
public:
    virtual ~ChatBackend() = default;

    // Empty when `dir` looks loadable, else what is wrong, in words a person can act on.
    virtual std::string validate(const std::filesystem::path &dir) const = 0;
    // Throws std::exception with one clear message when the model cannot be loaded.
    virtual BackendModelInfo load(const std::filesystem::path &dir,
                                  const BackendLoadOptions &options,
                                  const ProgressFn &progress) = 0;
    virtual bool isLoaded() const = 0;
    // Starts over on an empty cache; `history` (finished turns of a reopened conversation) is
    // re-encoded before the next turn.
    virtual void setConversation(const std::vector<BackendTurn> &history) = 0;
    // Prefills `user` on top of the conversation, compacts to `cache`, then generates. `cancel`
    // is read before every token. Throws on failure; the conversation is then left as it was.
    virtual BackendTurnResult generate(const BackendTurn &user, const cache::CacheChoice &cache,
                                       const BackendSampling &sampling, const TextFn &onText,
                                       const std::atomic<bool> &cancel) = 0;
};

using BackendFactory = std::function<std::unique_ptr<ChatBackend>()>;

} // namespace ec::app
