#include "lab/cli/eval_sweep.h"

#include "lab/cli/eval_conversation.h"
#include "lab/eval/dataset.h"
#include "lab/eval/fidelity.h"
#include "lab/eval/perplexity.h"
#include "lab/eval/progress.h"
#include "lab/eval/record_files.h"
#include "lab/eval/report.h"
#include "lab/eval/shard.h"
#include "lab/eval/turn_scoring.h"
#include "app/paths.h"
#include "engine/chat/chat_session.h"
#include "engine/context_limit_error.h"
#include "engine/runtime.h"

#include <ATen/ATen.h>
#include <filesystem>
#include <iostream>
#include <map>
#include <span>
#include <unistd.h>

namespace ec::cli {

namespace fs = std::filesystem;

namespace {

struct Config
{
    std::string method;
    double budget = 1.0;
};

// What the full cache produced for one sample: the baseline of ROUGE-L, KL and top-1.
struct Reference
{
    std::vector<std::string> texts; // greedy answer per turn
    std::vector<at::Tensor> logits; // teacher-forced next-token logits, [V] float each
};

struct Forced
{
    eval::PerplexityAccumulator ppl;
    std::vector<at::Tensor> logits;
};

fs::path modelDirectory(const std::string &given)
{
    if (!given.empty())
        return given;
    auto demo = app::resourcesDirectory() / "models" / "demo";
    if (!fs::exists(demo / "config.json"))
        throw std::runtime_error("no --model given and no demo model at " + demo.string());
    return demo;
}

std::span<const float> row(const at::Tensor &t)
{
    return {t.data_ptr<float>(), static_cast<size_t>(t.numel())};
}

class Sweep
{
public:
    explicit Sweep(const EvalSweepOptions &o)
        : o_(o)
        , dir_(modelDirectory(o.model))
    {
        engine::initRuntime(o.threads);
        model_ = engine::loadModel(dir_, {o.device, o.dtype, o.weights});
        engine::fitThreadsToModel(o.threads, model_->info().bytesPerToken);
        prototype_ = std::make_unique<engine::ChatSession>(*model_, dir_, chatOptions({"full", 1}));
    }

    engine::ChatOptions chatOptions(const Config &c) const
    {
        engine::ChatOptions options;
        options.session.policy.name = c.method;
        options.session.policy.budget.keepRatio = c.budget;
        options.session.policy.sinks = o_.sinks;
        options.session.policy.distance = o_.distance;
        options.session.policy.elasticRecent = o_.elasticRecent;
        options.templateName = o_.templateName;
        return options;
    }

    std::vector<std::vector<at::Tensor>> loadImages(const eval::EvalSample &sample) const
    {
        std::vector<std::vector<at::Tensor>> images;
        for (const auto &turn : sample.turns) {
            images.emplace_back();
            for (const auto &file : turn.images)
                images.back().push_back(prototype_->loadImage(file));
        }
        return images;
    }

    // Teacher forcing over every turn that has an answer (paper §8, Q12 rule per answer).
    Forced teacherForce(const Config &c, const eval::EvalSample &sample,
                        const std::vector<std::vector<at::Tensor>> &images) const
    {
        Forced forced;
        engine::Session session(*model_, chatOptions(c).session);
        ForcedConversation conversation(prototype_->tokenizer(), prototype_->chatTemplate(),
                                        systemPrompt(), model_->info());
        auto feedOne = [&](int64_t id) {
            session.addUserTurn(engine::UserTurn{{id}, {}});
            return session.feed(engine::LogitsMode::Last, cache::Phase::Decode).logits[0][0];
        };
        for (size_t t = 0; t < sample.turns.size(); ++t) {
            const auto &turn = sample.turns[t];
            const bool last = t + 1 == sample.turns.size();
            if (!turn.answer && last)
                break; // nothing to score and nothing after it
            const std::string answer = turn.answer ? trimmed(*turn.answer) : std::string();
            session.addUserTurn(engine::UserTurn{
                conversation.promptIds(turn.question, static_cast<int64_t>(images[t].size())),
                images[t]});
            at::Tensor logits =
                session.feed(engine::LogitsMode::Last, cache::Phase::Prefill).logits[0][0];
            const auto ids = conversation.answerIds(answer);
            const auto n = static_cast<int64_t>(ids.size());
            const int64_t scored = turn.answer ? eval::scoredAnswerTokens(n) : 0;
            for (int64_t idx = 0; idx < scored; ++idx) {
                if (idx > 0)
                    logits = feedOne(ids[static_cast<size_t>(idx - 1)]);
                at::Tensor cpu = logits.to(at::kCPU, at::kFloat).contiguous();
                forced.ppl.add(eval::tokenNll(row(cpu), ids[static_cast<size_t>(idx)]));
                forced.logits.push_back(cpu);
            }
            // Later turns see the whole answer, as a chat would; these tokens are not scored.
            if (!last)
                for (int64_t k = std::max<int64_t>(scored - 1, 0); k < n; ++k)
                    feedOne(ids[static_cast<size_t>(k)]);
            conversation.commit(turn.question, static_cast<int64_t>(images[t].size()), answer);
        }
        return forced;
    }

    std::vector<std::string> generate(const Config &c, const eval::EvalSample &sample,
                                      const std::vector<std::vector<at::Tensor>> &images,
                                      nlohmann::json &details) const
    {
        engine::ChatSession chat(*model_, dir_, chatOptions(c));
        engine::GenerationOptions generation;
        generation.maxNewTokens = o_.maxNewTokens; // greedy: sampler defaults to temperature 0
        std::vector<std::string> texts;
        for (size_t t = 0; t < sample.turns.size(); ++t) {
            try {
                auto reply = chat.ask(sample.turns[t].question, images[t], generation);
                texts.push_back(trimmed(reply.text));
                details[t]["generated_tokens"] =
                    reply.result.tokens.empty() ? 0 : reply.result.tokens[0].size();
                details[t]["cache_entries"] = reply.result.stats.cacheEntries;
                details[t]["tokens_seen"] = reply.result.stats.tokensSeen;
            } catch (const engine::ContextLimitError &) {
                // The conversation has used the model's positions (answers that ramble to
                // --max-tokens do): as in a chat, nothing more can be asked, so this turn and
                // the ones after it count as unanswered instead of ending the whole sweep.
                for (; t < sample.turns.size(); ++t) {
                    texts.emplace_back();
                    details[t]["generated_tokens"] = 0;
                    details[t]["context_full"] = true;
                }
            }
        }
        return texts;
    }

    Reference reference(const eval::EvalSample &sample,
                        const std::vector<std::vector<at::Tensor>> &images) const
    {
        Reference ref;
        nlohmann::json ignored = nlohmann::json::array();
        for (size_t t = 0; t < sample.turns.size(); ++t)
            ignored.push_back(nlohmann::json::object());
        if (!o_.skipGeneration)
            ref.texts = generate({"full", 1.0}, sample, images, ignored);
        if (!o_.skipTeacherForcing)
            ref.logits = teacherForce({"full", 1.0}, sample, images).logits;
        return ref;
    }

    eval::SampleRecord evaluate(const Config &c, const eval::EvalSample &sample,
                                const std::vector<std::vector<at::Tensor>> &images,
                                const Reference &ref) const
    {
        eval::SampleRecord record;
        record.method = c.method;
        record.budget = c.budget;
        record.sampleId = sample.id;
        record.sampleIndex = sample.index;
        for (size_t t = 0; t < sample.turns.size(); ++t)
            record.turns.push_back(
                nlohmann::json::object({{"question", sample.turns[t].question}}));
        if (!o_.skipTeacherForcing) {
            Forced forced = teacherForce(c, sample, images);
            record.nllSum = forced.ppl.nllSum();
            record.nllTokens = forced.ppl.tokens();
            if (forced.logits.size() != ref.logits.size())
                throw std::logic_error("teacher forcing scored a different number of tokens");
            eval::FidelityAccumulator fidelity;
            for (size_t i = 0; i < forced.logits.size(); ++i)
                fidelity.add(row(ref.logits[i]), row(forced.logits[i]));
            record.klSum = fidelity.klSum();
            record.top1Agreements = fidelity.top1Agreements();
            record.klPositions = fidelity.positions();
        }
        if (!o_.skipGeneration) {
            const auto texts = generate(c, sample, images, record.turns);
            for (size_t t = 0; t < texts.size(); ++t) {
                auto &d = record.turns[t];
                d["hypothesis"] = texts[t];
                d["full_cache"] = ref.texts[t];
                eval::scoreGeneratedTurn(sample.turns[t], texts[t], ref.texts[t], d, record);
            }
        }
        return record;
    }

private:
    static std::string trimmed(const std::string &text)
    {
        const auto first = text.find_first_not_of(" \t\r\n");
        if (first == std::string::npos)
            return {};
        return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
    }

    std::string systemPrompt() const
    {
        return prototype_->chatTemplate().kind() == text::ChatTemplate::Kind::LlavaV1
                   ? text::ChatTemplate::llavaV1SystemPrompt()
                   : std::string();
    }

    const EvalSweepOptions &o_;
    fs::path dir_;
    std::unique_ptr<engine::VisionLanguageModel> model_;
    std::unique_ptr<engine::ChatSession> prototype_;
};

std::vector<Config> configs(const EvalSweepOptions &o)
{
    std::vector<Config> list;
    for (const auto &method : o.methods) {
        if (method == "full") {
            list.push_back({method, 1.0}); // the full cache has no budget
            continue;
        }
        for (double budget : o.budgets) {
            if (!(budget > 0 && budget <= 1))
                throw std::invalid_argument("--budgets: " + std::to_string(budget) +
                                            " is not in (0, 1]");
            list.push_back({method, budget});
        }
    }
    return list;
}

} // namespace

std::string recordsPath(const std::string &out, int64_t shardIndex, int64_t shardCount)
{
    if (shardCount <= 1)
        return (fs::path(out) / "records.jsonl").string();
    return (fs::path(out) / ("records-shard-" + std::to_string(shardIndex) + "-of-" +
                             std::to_string(shardCount) + ".jsonl"))
        .string();
}

int runEvalSweep(const EvalSweepOptions &o)
{
    if (o.dataset.empty())
        throw std::invalid_argument("eval: --dataset is required");
    if (o.skipGeneration && o.skipTeacherForcing)
        throw std::invalid_argument("eval: nothing to measure with both --no-generate and "
                                    "--no-teacher-forcing");
    const auto shard = eval::parseShard(o.shard);
    auto dataset = eval::readDataset(o.dataset, eval::parseDatasetFormat(o.format));
    if (o.limit > 0 && static_cast<int64_t>(dataset.samples.size()) > o.limit)
        dataset.samples.resize(static_cast<size_t>(o.limit));
    const auto list = configs(o);
    const auto path = recordsPath(o.out, shard.index, shard.count);
    auto existing = eval::readRecordFile(path);
    const auto done = eval::recordKeys(existing.records);

    std::vector<std::pair<const eval::EvalSample *, std::vector<Config>>> todo;
    int64_t units = 0;
    for (const auto &sample : dataset.samples) {
        if (!shard.contains(sample.index))
            continue;
        std::vector<Config> missing;
        for (const auto &c : list)
            if (!done.count(eval::recordKey(c.method, c.budget, sample.id)))
                missing.push_back(c);
        units += static_cast<int64_t>(missing.size());
        if (!missing.empty())
            todo.emplace_back(&sample, std::move(missing));
    }
    std::cerr << "eval: " << dataset.samples.size() << " samples ("
              << eval::datasetFormatName(dataset.format) << "), shard " << o.shard << ", "
              << list.size() << " method/budget pairs, " << existing.records.size()
              << " records already in " << path << ", " << units << " to run\n";
    if (units > 0) {
        Sweep sweep(o);
        eval::RecordWriter writer(path);
        eval::ProgressBar progress(std::cerr, units, ::isatty(2) != 0);
        for (const auto &[sample, missing] : todo) {
            const auto images = sweep.loadImages(*sample);
            const Reference ref = sweep.reference(*sample, images);
            for (const auto &c : missing) {
                writer.write(sweep.evaluate(c, *sample, images, ref));
                progress.advance(1, c.method + "@" + eval::budgetKey(c.budget).substr(0, 4) +
                                        " sample " + sample->id);
            }
        }
        progress.finish();
    }
    if (shard.count == 1) {
        const auto rows = eval::summarize(eval::readRecordFile(path).records);
        for (const auto &file : eval::writeReport(rows, o.out))
            std::cerr << "eval: wrote " << file << "\n";
        std::cout << eval::summaryMarkdown(rows);
    } else {
        std::cerr << "eval: shard done; combine with `elastic-lab eval merge --out " << o.out << " "
                  << (fs::path(o.out) / "records-shard-*.jsonl").string() << "`\n";
    }
    return 0;
}

} // namespace ec::cli
