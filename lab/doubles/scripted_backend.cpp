#include "lab/doubles/scripted_backend.h"

#include "engine/checkpoint/model_folder.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ec::app {

namespace fs = std::filesystem;

ScriptedBackend::ScriptedBackend(ScriptedBackendOptions options)
    : m_options(std::move(options))
{
}

std::string ScriptedBackend::validate(const fs::path &dir) const
{
    return engine::checkpoint::validateLlavaFolder(dir);
}

BackendModelInfo ScriptedBackend::load(const fs::path &dir, const BackendLoadOptions &options,
                                       const ProgressFn &progress)
{
    if (std::string problem = validate(dir); !problem.empty())
        throw std::runtime_error(problem);
    m_loaded = false;
    const char *stages[] = {"Reading config", "Vision tower", "Projector", "Language model"};
    for (int i = 0; i < 4; ++i) {
        if (progress)
            progress(i * 25, stages[i]);
        std::this_thread::sleep_for(m_options.loadDelay);
    }
    if (progress)
        progress(100, "Ready");
    m_loaded = true;
    m_device = options.device == "auto" ? "cpu" : options.device;
    setConversation({});
    BackendModelInfo info;
    info.name = dir.filename().string();
    if (info.name.empty())
        info.name = dir.parent_path().filename().string();
    info.device = m_device;
    info.dtype = options.dtype == "auto" ? "f16" : options.dtype;
    info.weights = options.weights == "auto" ? info.dtype : options.weights;
    info.weightBytes = std::int64_t(7) * 1000 * 1000 * 1000 * 2;
    info.bytesPerToken = m_options.bytesPerToken;
    info.maxContext = m_options.maxContext;
    info.tokensPerImage = m_options.tokensPerImage;
    return info;
}

void ScriptedBackend::setConversation(const std::vector<BackendTurn> &history)
{
    m_tokensSeen = 0;
    m_entries = 0;
    m_pendingHistoryTokens = 0;
    for (const BackendTurn &turn : history)
        m_pendingHistoryTokens += promptTokens(turn);
}

std::int64_t ScriptedBackend::promptTokens(const BackendTurn &turn) const
{
    // About four characters per token, plus the template's role markers.
    return 6 + std::int64_t(turn.text.size() + 3) / 4 +
           std::int64_t(turn.images.size()) * m_options.tokensPerImage;
}

std::string ScriptedBackend::answerFor(const BackendTurn &user) const
{
    if (m_options.answer)
        return m_options.answer(user);
    std::ostringstream out;
    if (!user.images.empty()) {
        const BackendImage &image = user.images.front();
        out << "The image is **" << image.width << " x " << image.height << "** pixels";
        if (user.images.size() > 1)
            out << " (and " << user.images.size() - 1 << " more)";
        out << ". ";
    }
    out << "Here is what I can say about *" << user.text.substr(0, 60) << "*:\n\n"
        << "- the question has " << user.text.size() << " characters\n"
        << "- this answer comes from the simulated engine\n\n"
        << "```text\ncache: simulated\n```\n";
    return out.str();
}

namespace {
// Splits into words with their trailing spaces: one simulated token each.
std::vector<std::string> tokensOf(const std::string &text)
{
    std::vector<std::string> tokens;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find_first_of(" \n", start);
        end = end == std::string::npos ? text.size() : end + 1;
        tokens.push_back(text.substr(start, end - start));
        start = end;
    }
    return tokens;
}
} // namespace

BackendTurnResult ScriptedBackend::generate(const BackendTurn &user, const cache::CacheChoice &cache,
                                            const BackendSampling &sampling, const TextFn &onText,
                                            const std::atomic<bool> &cancel)
{
    if (!m_loaded)
        throw std::runtime_error("No model is loaded.");
    for (const BackendImage &image : user.images) {
        if (image.width <= 0 || image.height <= 0)
            throw std::runtime_error("An attached image could not be decoded.");
    }
    BackendTurnResult result;
    result.promptTokens = promptTokens(user) + m_pendingHistoryTokens;
    m_pendingHistoryTokens = 0;

    const std::int64_t bpt = m_options.bytesPerToken;
    std::int64_t cap = std::numeric_limits<std::int64_t>::max();
    if (cache.capped())
        cap = std::max<std::int64_t>(2, cache.entryCap(bpt));
    TurnCacheStats &stats = result.stats;
    stats.policy = cache::policyName(cache.policy);
    stats.budgetBytes = cache.budgetBytes;
    stats.device = m_device + " (simulated)";
    stats.entriesBefore = m_entries + result.promptTokens;
    stats.bytesBefore = stats.entriesBefore * bpt;
    m_tokensSeen += result.promptTokens;
    m_entries = std::min(stats.entriesBefore, cap);
    std::int64_t dropped = stats.entriesBefore - m_entries;
    if (cache.policy == cache::PolicyKind::Elastic)
        stats.merged = dropped;
    else
        stats.evicted = dropped;
    stats.prefillMs = 0.05 * double(result.promptTokens);
    stats.compactionMs = dropped > 0 ? 0.8 : 0.0;

    auto decodeStart = std::chrono::steady_clock::now();
    std::vector<std::string> tokens = tokensOf(answerFor(user));
    if (sampling.maxTokens > 0 && tokens.size() > std::size_t(sampling.maxTokens))
        tokens.resize(std::size_t(sampling.maxTokens));
    for (const std::string &token : tokens) {
        if (cancel.load()) {
            result.cancelled = true;
            break;
        }
        std::this_thread::sleep_for(m_options.tokenDelay);
        result.text += token;
        ++result.completionTokens;
        ++m_tokensSeen;
        if (m_entries + 1 > cap)
            ++stats.evicted; // fixed-point elimination: one out, one in
        else
            ++m_entries;
        if (onText)
            onText(token);
    }
    auto done = std::chrono::steady_clock::now();
    stats.decodeTokens = result.completionTokens;
    stats.decodeMs = std::chrono::duration<double, std::milli>(done - decodeStart).count();
    stats.entriesAfter = m_entries;
    stats.bytesAfter = m_entries * bpt;
    stats.peakMemoryBytes = std::int64_t(14) * 1000 * 1000 * 1000 + stats.bytesBefore;
    return result;
}

} // namespace ec::app
