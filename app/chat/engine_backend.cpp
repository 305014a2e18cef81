#include "app/chat/engine_backend.h"

#include "app/chat/scripted_backend.h"
#include "engine/checkpoint/llava_config.h"
#include "engine/image/clip_preprocess.h"
#include "engine/image/image_decode.h"
#include "engine/image/pixel_tensor.h"
#include "engine/image/preprocess_config.h"
#include "engine/model/vision_language_model.h"
#include "engine/runtime.h"
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

class TokenizerDetokenizer : public engine::Detokenizer
{
public:
    explicit TokenizerDetokenizer(text::Tokenizer tokenizer)
        : m_tokenizer(std::move(tokenizer))
    {
    }
    std::string decode(const std::vector<int64_t> &ids) const override
    {
        std::vector<int> narrow;
        narrow.reserve(ids.size());
        for (int64_t id : ids) {
            if (id >= 0 && id < m_tokenizer.vocabSize())
                narrow.push_back(int(id));
        }
        return m_tokenizer.decode(narrow);
    }

private:
    text::Tokenizer m_tokenizer;
};

// One finished or pending turn as the engine sees it: text and preprocessed images.
struct FedTurn
{
    history::Role role = history::Role::User;
    std::string text;
    std::vector<at::Tensor> images;
};

class EngineBackend : public ChatBackend
{
public:
    std::string validate(const fs::path &dir) const override
    {
        if (std::string problem = validateLlavaFolder(dir); !problem.empty())
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
        m_session.reset();
        m_model.reset();
        report(5, "Reading config");
        engine::initRuntime(options.threads);
        report(15, "Loading weights");
        auto model = engine::loadModel(dir, {options.device, options.dtype});
        report(85, "Tokenizer and template");
        const engine::ModelInfo &info = model->info();
        text::Tokenizer tokenizer = text::Tokenizer::fromDirectory(dir);
        if (info.imageTokenId >= 0 && tokenizer.tokenId("<image>") != info.imageTokenId)
            tokenizer = tokenizer.withSpecialToken("<image>", int(info.imageTokenId));
        m_template = text::ChatTemplate::fromModelDirectory(dir);
        m_preprocess = image::PreprocessConfig::fromModelDirectory(dir);
        m_tokenizer = std::move(tokenizer);
        m_model = std::move(model);
        m_dir = dir;
        resetConversation();
        report(100, "Ready");

        BackendModelInfo out;
        out.name = dir.filename().empty() ? dir.parent_path().filename().string()
                                          : dir.filename().string();
        out.device = info.device.str();
        out.dtype = dtypeName(info.dtype);
        out.bytesPerToken = m_model->cacheLayout(1).bytesPerToken();
        out.maxContext = info.maxPositions;
        out.tokensPerImage = info.tokensPerImage;
        std::error_code ec;
        for (const auto &entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().extension() == ".safetensors")
                out.weightBytes += std::int64_t(entry.file_size(ec));
        }
        m_weightBytes = out.weightBytes;
        return out;
    }

    bool isLoaded() const override { return m_model != nullptr; }

    void setConversation(const std::vector<BackendTurn> &history) override
    {
        resetConversation();
        for (const BackendTurn &turn : history) {
            if (turn.role == history::Role::System)
                continue;
            FedTurn fed;
            fed.role = turn.role;
            fed.text = turn.text;
            for (const BackendImage &image : turn.images)
                fed.images.push_back(pixels(image));
            m_pending.push_back(std::move(fed));
        }
    }

    BackendTurnResult generate(const BackendTurn &user, const BackendCache &cache,
                               const BackendSampling &sampling, const TextFn &onText,
                               const std::atomic<bool> &cancel) override
    {
        if (!m_model)
            throw std::runtime_error("No model is loaded.");
        FedTurn turn;
        turn.text = user.text;
        for (const BackendImage &image : user.images)
            turn.images.push_back(pixels(image));

        // A new policy needs a new cache: re-encode what was said so far under it.
        if (!m_session || m_policy != cache.policy || m_systemPrompt != sampling.systemPrompt) {
            std::vector<FedTurn> replay = m_fed;
            replay.insert(replay.end(), m_pending.begin(), m_pending.end());
            resetConversation();
            m_pending = std::move(replay);
            m_policy = cache.policy;
            m_systemPrompt = sampling.systemPrompt;
            engine::SessionOptions options;
            options.policy.name = cache.policy;
            options.detokenizer = std::make_shared<TokenizerDetokenizer>(*m_tokenizer);
            m_session = std::make_unique<engine::Session>(*m_model, options);
        }
        ec::cache::Budget budget;
        budget.maxBytes = cache.policy == "full" ? 0 : cache.budgetBytes;
        m_session->policy().setBudget(budget); // applies from this turn's compaction

        std::vector<text::ChatMessage> messages = m_messages;
        std::vector<at::Tensor> images;
        if (messages.empty() && !m_systemPrompt.empty())
            messages.push_back(text::ChatMessage::system(m_systemPrompt));
        for (const FedTurn &fed : m_pending) {
            messages.push_back(message(fed));
            images.insert(images.end(), fed.images.begin(), fed.images.end());
        }
        messages.push_back(message(turn));
        images.insert(images.end(), turn.images.begin(), turn.images.end());

        const std::string prompt = m_template->render(messages, true);
        if (!prompt.starts_with(m_covered))
            throw std::runtime_error("The chat template does not extend the conversation.");
        std::string suffix = prompt.substr(m_covered.size());
        const bool first = m_covered.empty();
        if (!first && !suffix.empty() && suffix.front() == ' ')
            suffix.erase(0, 1); // the tokenizer's word prefix stands for it
        std::vector<int> ids = m_tokenizer->encode(suffix, first);
        engine::UserTurn engineTurn;
        engineTurn.ids.assign(ids.begin(), ids.end());
        const engine::ModelInfo &info = m_model->info();
        engineTurn.ids =
            engine::expandImageMarkers(engineTurn.ids, info.imageTokenId, info.tokensPerImage);
        engineTurn.images = images;
        const std::int64_t entriesBefore = m_session->cache().size();
        const std::int64_t promptTokens = std::int64_t(engineTurn.ids.size());
        m_session->addUserTurn(std::move(engineTurn));

        engine::GenerationOptions generation;
        generation.maxNewTokens = sampling.maxTokens;
        generation.sampler.temperature = sampling.temperature;
        generation.sampler.topP = sampling.topP;
        generation.sampler.seed =
            std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
        bool leading = true;
        engine::TurnResult result = m_session->generate(
            generation,
            [&](const engine::StreamEvent &event) {
                std::string piece = event.text;
                if (leading) { // the first token's word prefix is a space the template owns
                    std::size_t start = piece.find_first_not_of(' ');
                    piece = start == std::string::npos ? std::string() : piece.substr(start);
                    leading = piece.empty();
                }
                if (!piece.empty() && onText)
                    onText(piece);
            },
            &cancel);

        BackendTurnResult out;
        out.text = result.text.empty() ? std::string() : result.text[0];
        out.text.erase(0, std::min(out.text.size(), out.text.find_first_not_of(' ')));
        out.cancelled =
            !result.stopReasons.empty() && result.stopReasons[0] == engine::StopReason::Cancelled;
        out.promptTokens = promptTokens;
        out.completionTokens = std::int64_t(result.tokens.empty() ? 0 : result.tokens[0].size());
        fillStats(out.stats, result.stats, cache, entriesBefore, promptTokens);

        // What the cache has now seen, for the next turn's suffix.
        const std::size_t promptChars = prompt.size();
        messages.push_back(text::ChatMessage::assistant(out.text));
        const std::string rendered = m_template->render(messages, false);
        const std::size_t at = rendered.find(out.text, promptChars);
        m_covered =
            rendered.substr(0, at == std::string::npos ? promptChars : at + out.text.size());
        m_messages = std::move(messages);
        for (FedTurn &fed : m_pending)
            m_fed.push_back(std::move(fed));
        m_pending.clear();
        m_fed.push_back(std::move(turn));
        m_fed.push_back(FedTurn{history::Role::Assistant, out.text, {}});
        return out;
    }

private:
    void resetConversation()
    {
        if (m_session)
            m_session->reset();
        m_messages.clear();
        m_covered.clear();
        m_fed.clear();
        m_pending.clear();
    }

    static text::ChatMessage message(const FedTurn &turn)
    {
        if (turn.role == history::Role::Assistant)
            return text::ChatMessage::assistant(turn.text);
        auto user = text::ChatMessage::user("");
        user.parts.clear();
        for (std::size_t i = 0; i < turn.images.size(); ++i)
            user.image();
        user.text(turn.text);
        return user;
    }

    at::Tensor pixels(const BackendImage &image) const
    {
        std::string_view bytes(reinterpret_cast<const char *>(image.bytes.data()),
                               image.bytes.size());
        image::RgbImage rgb = image::decodeImage(bytes);
        return image::pixelValuesTensor({image::preprocessImage(rgb, m_preprocess)});
    }

    void fillStats(history::TurnStats &s, const engine::TurnStats &t, const BackendCache &cache,
                   std::int64_t entriesBefore, std::int64_t promptTokens) const
    {
        const std::int64_t bpt = m_model->cacheLayout(1).bytesPerToken();
        s.policy = cache.policy;
        if (cache.budgetBytes > 0)
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
        s.peakMemoryBytes = m_weightBytes + s.bytesBefore;
        s.device = m_model->info().device.str();
    }

    fs::path m_dir;
    std::unique_ptr<engine::VisionLanguageModel> m_model;
    std::optional<text::Tokenizer> m_tokenizer;
    std::optional<text::ChatTemplate> m_template;
    image::PreprocessConfig m_preprocess;
    std::unique_ptr<engine::Session> m_session;
    std::string m_policy;
    std::string m_systemPrompt;
    std::int64_t m_weightBytes = 0;

    std::vector<text::ChatMessage> m_messages; // what the cache holds, as chat messages
    std::string m_covered;                     // the rendered text the cache has seen
    std::vector<FedTurn> m_fed;                // every turn fed, to rebuild on a policy change
    std::vector<FedTurn> m_pending;            // history to re-encode with the next turn
};

} // namespace

std::unique_ptr<ChatBackend> makeEngineBackend()
{
    return std::make_unique<EngineBackend>();
}

} // namespace ec::app
