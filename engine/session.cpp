#include "engine/session.h"

#include "engine/context_limit_error.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

namespace ec::engine {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Length of the longest prefix of `s` that does not end inside a UTF-8 character.
size_t completeUtf8(const std::string &s)
{
    const size_t n = s.size();
    for (size_t back = 1; back <= std::min<size_t>(4, n); ++back) {
        const auto c = static_cast<unsigned char>(s[n - back]);
        if ((c & 0xC0) == 0x80)
            continue; // continuation byte
        const size_t need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        return back >= need ? n : n - back;
    }
    return n;
}

// Bytes at the end of `text` that could start one of the stop strings.
size_t stopPrefixTail(const std::string &text, const std::vector<std::string> &stops)
{
    size_t hold = 0;
    for (const auto &stop : stops) {
        for (size_t len = std::min(stop.size() - 1, text.size()); len > hold; --len) {
            if (text.compare(text.size() - len, len, stop, 0, len) == 0) {
                hold = len;
                break;
            }
        }
    }
    return hold;
}

} // namespace

const char *stopReasonName(StopReason reason)
{
    switch (reason) {
    case StopReason::Eos:
        return "eos";
    case StopReason::StopId:
        return "stop-id";
    case StopReason::StopString:
        return "stop-string";
    case StopReason::MaxTokens:
        return "max-tokens";
    case StopReason::ContextLimit:
        return "context-limit";
    case StopReason::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

std::vector<int64_t> expandImageMarkers(const std::vector<int64_t> &ids, int64_t imageTokenId,
                                        int64_t tokensPerImage)
{
    std::vector<int64_t> out;
    out.reserve(ids.size());
    for (int64_t id : ids) {
        if (id == imageTokenId)
            out.insert(out.end(), tokensPerImage, id);
        else
            out.push_back(id);
    }
    return out;
}

Session::Session(VisionLanguageModel &model, SessionOptions options)
    : Session(model, options, cache::makePolicy(options.policy))
{
}

Session::Session(VisionLanguageModel &model, SessionOptions options,
                 std::unique_ptr<cache::CachePolicy> policy)
    : model_(model)
    , options_(std::move(options))
    , policy_(std::move(policy))
{
    if (options_.batch < 1)
        throw std::invalid_argument("Session: batch must be at least 1");
    if (!policy_)
        throw std::invalid_argument("Session: no cache policy");
    maxContext_ = options_.maxContext > 0 ? options_.maxContext : model.info().maxPositions;
    cache_ = std::make_unique<cache::KvCache>(model.cacheLayout(options_.batch));
    reset();
}

Session::~Session() = default;

void Session::reset()
{
    cache_->clear();
    policy_->reset();
    tokensSeen_ = 0;
    const auto B = static_cast<size_t>(options_.batch);
    pendingIds_.assign(B, {});
    pendingImages_.assign(B, {});
    history_.assign(B, {});
}

void Session::reset(const cache::PolicyConfig &policy)
{
    auto next = cache::makePolicy(policy);
    options_.policy = policy;
    policy_ = std::move(next);
    reset();
}

void Session::checkTurn(const UserTurn &turn) const
{
    const auto &info = model_.info();
    if (turn.ids.empty())
        throw std::invalid_argument("user turn has no token ids");
    int64_t imageSlots = 0;
    for (int64_t id : turn.ids) {
        if (id < 0 || id >= info.vocabSize)
            throw std::invalid_argument(
                "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                std::to_string(info.vocabSize) + "); the tokenizer does not match the model");
        imageSlots += id == info.imageTokenId;
    }
    const auto images = static_cast<int64_t>(turn.images.size());
    if (imageSlots != images * info.tokensPerImage) {
        const bool single = imageSlots > 0 && imageSlots % info.tokensPerImage != 0;
        throw std::invalid_argument(
            "user turn has " + std::to_string(imageSlots) + " image-token positions (" +
            (single ? "not a multiple of " + std::to_string(info.tokensPerImage)
                    : std::to_string(imageSlots / info.tokensPerImage) + " image(s)") +
            ") but " + std::to_string(images) +
            " image(s) were given; give one image per "
            "<image> marker, each expanded to " +
            std::to_string(info.tokensPerImage) + " tokens (expandImageMarkers)");
    }
    for (const auto &img : turn.images) {
        const auto s = img.dim() == 4 && img.size(0) == 1 ? img.squeeze(0) : img;
        if (s.dim() != 3 || s.size(0) != info.imageChannels || s.size(1) != info.imageSize ||
            s.size(2) != info.imageSize)
            throw std::invalid_argument(
                "image pixels have shape " + std::string(c10::str(img.sizes())) +
                "; this model needs [" + std::to_string(info.imageChannels) + ", " +
                std::to_string(info.imageSize) + ", " + std::to_string(info.imageSize) + "]");
    }
}

void Session::addUserTurn(UserTurn turn)
{
    if (options_.batch != 1)
        throw std::logic_error("Session::addUserTurn: this session has batch " +
                               std::to_string(options_.batch) + "; use addUserTurns");
    std::vector<UserTurn> turns;
    turns.push_back(std::move(turn));
    addUserTurns(std::move(turns));
}

void Session::addUserTurns(std::vector<UserTurn> turns)
{
    if (static_cast<int64_t>(turns.size()) != options_.batch)
        throw std::invalid_argument("addUserTurns: " + std::to_string(turns.size()) +
                                    " turns for a batch of " + std::to_string(options_.batch));
    for (size_t r = 0; r < turns.size(); ++r) {
        checkTurn(turns[r]);
        if (pendingIds_[r].size() + turns[r].ids.size() !=
            pendingIds_[0].size() + turns[0].ids.size())
            throw std::invalid_argument("addUserTurns: rows of a batch must have equal length");
    }
    const int64_t pendingLen = static_cast<int64_t>(pendingIds_[0].size() + turns[0].ids.size());
    const int64_t pos0 = policy_->firstPosition(*cache_, tokensSeen_);
    if (pos0 + pendingLen > maxContext_)
        throw ContextLimitError("the prompt needs positions up to " +
                                std::to_string(pos0 + pendingLen) + " but the context limit is " +
                                std::to_string(maxContext_) +
                                "; start a new conversation or shorten the prompt");
    lastQueued_.clear();
    for (size_t r = 0; r < turns.size(); ++r) {
        auto &ids = pendingIds_[r];
        lastQueued_.emplace_back(ids.size(), pendingImages_[r].size());
        ids.insert(ids.end(), turns[r].ids.begin(), turns[r].ids.end());
        for (auto &img : turns[r].images)
            pendingImages_[r].push_back(img.dim() == 3 ? img.unsqueeze(0) : img);
    }
}

bool Session::unqueueLastTurn()
{
    const bool queued = !lastQueued_.empty() && !pendingIds_.empty() && !pendingIds_[0].empty();
    for (size_t r = 0; r < lastQueued_.size(); ++r) {
        auto [ids, images] = lastQueued_[r];
        pendingIds_[r].resize(std::min(pendingIds_[r].size(), ids));
        pendingImages_[r].resize(std::min(pendingImages_[r].size(), images));
    }
    lastQueued_.clear();
    return queued;
}

at::Tensor Session::imagesOf(const std::vector<at::Tensor> &images) const
{
    if (images.empty())
        return {};
    return at::cat(images, 0).to(model_.info().device, at::kFloat);
}

ForwardOutput Session::forwardPending(LogitsMode mode, cache::Phase phase)
{
    const int64_t B = options_.batch;
    const auto n = static_cast<int64_t>(pendingIds_[0].size());
    if (n == 0)
        throw std::logic_error("Session: nothing queued; add a user turn first");
    std::vector<int64_t> flat;
    std::vector<at::Tensor> images;
    for (int64_t r = 0; r < B; ++r) {
        flat.insert(flat.end(), pendingIds_[r].begin(), pendingIds_[r].end());
        images.insert(images.end(), pendingImages_[r].begin(), pendingImages_[r].end());
    }
    ForwardInput in;
    in.ids = at::tensor(flat, at::kLong).view({B, n});
    in.pixels = imagesOf(images);
    ForwardOutput out = model_.forward(in, *cache_, *policy_, tokensSeen_, phase, mode);
    tokensSeen_ += n;
    for (int64_t r = 0; r < B; ++r) {
        history_[r].insert(history_[r].end(), pendingIds_[r].begin(), pendingIds_[r].end());
        pendingIds_[r].clear();
        pendingImages_[r].clear();
    }
    return out;
}

ForwardOutput Session::feed(LogitsMode mode, cache::Phase phase)
{
    return forwardPending(mode, phase);
}

TurnResult Session::generate(const GenerationOptions &options, const StreamCallback &onToken,
                             const std::atomic<bool> *cancel)
{
    const int64_t B = options_.batch;
    if (!options.stopStrings.empty() && !options_.detokenizer)
        throw std::invalid_argument("stop strings need a detokenizer (SessionOptions)");
    if (options.maxNewTokens < 1)
        throw std::invalid_argument("maxNewTokens must be at least 1; use feed() to prefill only");
    if (pendingIds_[0].empty())
        throw std::logic_error("Session: nothing queued; add a user turn first");
    Sampler sampler(options.sampler);
    TurnResult result;
    result.tokens.assign(B, {});
    result.text.assign(B, {});
    result.stopReasons.assign(B, StopReason::MaxTokens);
    std::vector<size_t> sent(B, 0);
    std::vector<bool> done(B, false);
    std::vector<at::Tensor> keptLogits;
    std::vector<int64_t> stopIds = model_.info().eosTokenIds;
    const int64_t imageToken = model_.info().imageTokenId;

    result.stats.promptTokens = static_cast<int64_t>(pendingIds_[0].size());
    if (cancel && cancel->load()) {
        // Stopped before it started: the turn stays queued for the next generate().
        result.stopReasons.assign(B, StopReason::Cancelled);
        result.stats.tokensSeen = tokensSeen_;
        result.stats.cacheEntries = cache_->size();
        result.stats.cacheBytes = cache_->bytesInUse();
        return result;
    }
    auto t0 = Clock::now();
    ForwardOutput out = forwardPending(LogitsMode::Last, cache::Phase::Prefill);
    at::Tensor logits = out.logits.select(1, 0).to(at::kCPU).contiguous(); // [B, V]
    result.stats.prefillMs = msSince(t0);
    result.stats.prefillCompaction = out.compaction;
    result.stats.decodeCompaction.entriesBefore = out.compaction.entriesAfter;
    result.stats.decodeCompaction.entriesAfter = out.compaction.entriesAfter;
    result.stats.decodeCompaction.bytesBefore = out.compaction.bytesAfter;
    result.stats.decodeCompaction.bytesAfter = out.compaction.bytesAfter;

    double decodeMs = 0;
    std::vector<int64_t> last(B, 0);
    while (true) {
        if (options.keepLogits)
            keptLogits.push_back(logits.clone());
        const int64_t V = logits.size(1);
        for (int64_t r = 0; r < B; ++r) {
            if (done[r])
                continue;
            const float *data = logits.data_ptr<float>() + r * V;
            std::vector<float> row(data, data + V);
            // The image token only marks where pixels go; text never continues with it.
            if (imageToken >= 0 && imageToken < V)
                row[imageToken] = -std::numeric_limits<float>::infinity();
            const int64_t token = sampler.sample(
                row.data(), V,
                options.sampler.repetitionPenalty != 1.0 ? history_[r] : std::vector<int64_t>{});
            last[r] = token;
            result.tokens[r].push_back(token);
            StreamEvent ev{r, token, {}};
            const bool isEos = std::count(stopIds.begin(), stopIds.end(), token) > 0;
            const bool isStop =
                std::count(options.stopIds.begin(), options.stopIds.end(), token) > 0;
            if (options_.detokenizer && !isEos && !isStop) {
                std::vector<int64_t> textIds(result.tokens[r]);
                std::string text = options_.detokenizer->decode(textIds);
                size_t stopAt = std::string::npos;
                for (const auto &s : options.stopStrings)
                    stopAt = std::min(stopAt, text.find(s));
                if (stopAt != std::string::npos) {
                    text.resize(stopAt);
                    done[r] = true;
                    result.stopReasons[r] = StopReason::StopString;
                }
                size_t safe = completeUtf8(text);
                if (!done[r])
                    safe = std::min(safe, text.size() - stopPrefixTail(text, options.stopStrings));
                if (safe > sent[r]) {
                    ev.text = text.substr(sent[r], safe - sent[r]);
                    sent[r] = safe;
                }
                result.text[r] = text.substr(0, sent[r]);
            }
            if (isEos || isStop) {
                done[r] = true;
                result.stopReasons[r] = isEos ? StopReason::Eos : StopReason::StopId;
            } else if (!done[r] &&
                       static_cast<int64_t>(result.tokens[r].size()) >= options.maxNewTokens) {
                done[r] = true;
                result.stopReasons[r] = StopReason::MaxTokens;
            }
            if (onToken)
                onToken(ev);
        }
        const bool allDone = std::all_of(done.begin(), done.end(), [](bool d) { return d; });
        if (allDone)
            break;
        if (cancel && cancel->load()) {
            for (int64_t r = 0; r < B; ++r) {
                if (!done[r])
                    result.stopReasons[r] = StopReason::Cancelled;
            }
            break;
        }
        if (policy_->firstPosition(*cache_, tokensSeen_) + 1 > maxContext_) {
            for (int64_t r = 0; r < B; ++r) {
                if (!done[r])
                    result.stopReasons[r] = StopReason::ContextLimit;
            }
            break;
        }
        auto t1 = Clock::now();
        out = forwardTokens(last, cache::Phase::Decode);
        logits = out.logits.select(1, 0).to(at::kCPU).contiguous();
        decodeMs += msSince(t1);
        result.stats.decodeTokens += 1;
        result.stats.decodeCompaction.accumulate(out.compaction);
    }
    // Text held back as a possible stop-string start is final now (token -1 = flush).
    for (int64_t r = 0; options_.detokenizer && r < B; ++r) {
        const StopReason why = result.stopReasons[r];
        if (why == StopReason::StopString)
            continue;
        std::vector<int64_t> ids = result.tokens[r];
        if (!ids.empty() && (why == StopReason::Eos || why == StopReason::StopId))
            ids.pop_back();
        const std::string text = options_.detokenizer->decode(ids);
        const size_t safe = completeUtf8(text);
        if (safe > sent[r]) {
            if (onToken)
                onToken(StreamEvent{r, -1, text.substr(sent[r], safe - sent[r])});
            sent[r] = safe;
        }
        result.text[r] = text.substr(0, sent[r]);
    }
    // The final sampled token was never fed: carry it unless it ends the turn by itself.
    for (int64_t r = 0; r < B; ++r) {
        const StopReason why = result.stopReasons[r];
        if (why != StopReason::Eos && why != StopReason::StopId)
            pendingIds_[r].push_back(last[r]);
    }
    if (B > 1) {
        // Rows that stopped on a stop id carry nothing; keep rows aligned by dropping carries.
        const bool uneven = std::any_of(pendingIds_.begin(), pendingIds_.end(),
                                        [&](auto &p) { return p.size() != pendingIds_[0].size(); });
        if (uneven) {
            for (auto &p : pendingIds_)
                p.clear();
        }
    }
    result.stats.decodeMs = decodeMs;
    result.stats.cacheEntries = cache_->size();
    result.stats.cacheBytes = cache_->bytesInUse();
    result.stats.tokensSeen = tokensSeen_;
    if (options.keepLogits)
        result.logits = at::stack(keptLogits, 1);
    return result;
}

ForwardOutput Session::forwardTokens(const std::vector<int64_t> &perRow, cache::Phase phase)
{
    const int64_t B = options_.batch;
    ForwardInput in;
    in.ids = at::tensor(perRow, at::kLong).view({B, 1});
    ForwardOutput out = model_.forward(in, *cache_, *policy_, tokensSeen_, phase, LogitsMode::Last);
    tokensSeen_ += 1;
    for (int64_t r = 0; r < B; ++r)
        history_[r].push_back(perRow[r]);
    return out;
}

} // namespace ec::engine
