#include "lab/demo_trainer/trainer.h"

#include "engine/checkpoint/llava_config.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/checkpoint/tensor_names.h"
#include "lab/demo_trainer/asked_heads.h"
#include "lab/demo_trainer/grow_decoder.h"
#include "lab/demo_trainer/perception_heads.h"
#include "lab/demo_world/world_set.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace ec::demo {

namespace {

namespace ckpt = engine::checkpoint;
using json = nlohmann::json;

// llava-hf's chat_template.json; ChatTemplate::fromModelDirectory recognises it.
const char *kChatTemplate =
    "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() "
    "+ ': '}}{% endif %}{% for content in message['content'] | selectattr('type', 'equalto', "
    "'image') %}{{ '<image>\\n' }}{% endfor %}{% for content in message['content'] | "
    "selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}{% endfor %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";

const char *kTokenizerFiles[] = {"tokenizer.model", "tokenizer.json", "tokenizer_config.json",
                                 "special_tokens_map.json", "added_tokens.json"};

std::string trimmed(std::string s)
{
    while (!s.empty() && s.front() == ' ')
        s.erase(0, 1);
    while (!s.empty() && s.back() == ' ')
        s.pop_back();
    return s;
}

} // namespace

struct DemoTrainer::Impl
{
    explicit Impl(text::Tokenizer t)
        : tokenizer(std::move(t))
    {
    }
    text::Tokenizer tokenizer;
    std::unique_ptr<DemoModel> model;
    std::unique_ptr<PerceptionHeads> perception;
    std::unique_ptr<AskedHeads> asked; // with --asked-head
    std::unique_ptr<torch::optim::AdamW> optimizer;
    SampleFormat format;
    at::ScalarType compute = at::kFloat;
    int64_t step = 0;
    double perceptionLoss = 0; // of the last step
    double askedLoss = 0;      // of the last step
    at::Tensor colourIds;      // with --colour-words: the colour names' token ids

    // The colour head's rows, read from the decoder's embeddings as they are now.
    void updateColourWords()
    {
        if (colourIds.defined())
            perception->setColourWords(
                model->params().at("lm.embed_tokens.weight").index_select(0, colourIds));
    }

    // Every trained tensor: the model's (saved in the checkpoint) and the perception heads'.
    std::vector<std::pair<std::string, at::Tensor>> trainable() const
    {
        std::vector<std::pair<std::string, at::Tensor>> all(model->params().begin(),
                                                            model->params().end());
        all.insert(all.end(), perception->params().begin(), perception->params().end());
        if (asked)
            all.insert(all.end(), asked->params().begin(), asked->params().end());
        return all;
    }
};

DemoTrainer::DemoTrainer(const TrainerOptions &options)
    : options_(options)
    , d_(std::make_unique<Impl>(text::Tokenizer::fromDirectory(options.tokenizerDir)))
{
    auto &spec = options_.spec;
    spec.imageTokenId = d_->tokenizer.tokenId("<image>");
    if (spec.imageTokenId < 0)
        throw std::runtime_error("tokenizer has no <image> token");
    spec.vocabSize = d_->tokenizer.vocabSize();
    spec.dtype = "F32";
    spec.names = ckpt::NameScheme::Legacy;
    // The tiny-model writer lays out config.json, preprocessor_config.json and
    // generation_config.json; saveModel() then replaces its random weights.
    tools::writeTinyModel(modelDir(), spec);
    for (const char *name : kTokenizerFiles)
        if (std::filesystem::exists(options_.tokenizerDir / name))
            std::filesystem::copy_file(options_.tokenizerDir / name, modelDir() / name,
                                       std::filesystem::copy_options::overwrite_existing);
    std::ofstream(modelDir() / "chat_template.json")
        << json{{"chat_template", kChatTemplate}}.dump(2) << '\n';

    const auto config = ckpt::readLlavaConfig(modelDir());
    d_->model = std::make_unique<DemoModel>(config, options_.seed);
    d_->perception = std::make_unique<PerceptionHeads>(
        config.text.hiddenSize, config.vision.imageSize, config.vision.patchSize, options_.seed,
        options_.positionHead, options_.patchContent, options_.colourWords);
    if (options_.askedLayer >= 0) {
        if (options_.askedLayer < 1 || options_.askedLayer > config.text.numLayers)
            throw std::invalid_argument("--asked-head must name a decoder layer from 1 to " +
                                        std::to_string(config.text.numLayers) +
                                        " (layer 0's input is the token's own embedding)");
        d_->asked = std::make_unique<AskedHeads>(config.text.hiddenSize, options_.seed);
    }
    d_->format.tokenizer = &d_->tokenizer;
    d_->format.preprocess = image::PreprocessConfig::fromModelDirectory(modelDir());
    d_->format.imageTokenId = config.imageTokenId;
    d_->format.tokensPerImage = config.tokensPerImage();
    d_->format.eosId = config.text.eosTokenIds.at(0);
    d_->format.renderSize = options_.renderSize;

    const bool cuda =
        options_.device == "cuda" || (options_.device == "auto" && torch::cuda::is_available());
    if (cuda) {
        d_->model->to(at::Device(at::kCUDA, 0));
        d_->perception->to(at::Device(at::kCUDA, 0));
        if (d_->asked)
            d_->asked->to(at::Device(at::kCUDA, 0));
    }
    if (options_.colourWords) {
        std::vector<int64_t> ids;
        for (const auto &colour : objectColours()) {
            const int id = d_->tokenizer.tokenId("\u2581" + colour.name); // "▁red"
            if (id < 0)
                throw std::runtime_error("--colour-words: the tokenizer has no piece for \"" +
                                         colour.name + "\"");
            ids.push_back(id);
        }
        d_->colourIds = at::tensor(ids, at::kLong).to(d_->model->params().begin()->second.device());
    }
    if (options_.dtype == "bf16")
        d_->compute = at::kBFloat16;
    else if (options_.dtype != "f32")
        throw std::invalid_argument("--dtype must be f32 or bf16");

    // No weight decay on norms, biases and embeddings of position/class (as in most recipes).
    std::vector<at::Tensor> decay, noDecay;
    for (auto &[name, p] : d_->trainable()) {
        const bool skip = p.dim() < 2 || name.find("norm") != std::string::npos;
        (skip ? noDecay : decay).push_back(p);
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(options_.lr)
                                       .betas({0.9, 0.95})
                                       .weight_decay(options_.weightDecay)));
    groups.emplace_back(
        noDecay, std::make_unique<torch::optim::AdamWOptions>(
                     torch::optim::AdamWOptions(options_.lr).betas({0.9, 0.95}).weight_decay(0.0)));
    d_->optimizer = std::make_unique<torch::optim::AdamW>(std::move(groups));
}

DemoTrainer::~DemoTrainer() = default;

int64_t DemoTrainer::step() const
{
    return d_->step;
}
DemoModel &DemoTrainer::model()
{
    return *d_->model;
}
const SampleFormat &DemoTrainer::format() const
{
    return d_->format;
}

double DemoTrainer::learningRate(int64_t step) const
{
    const double peak = options_.lr, floor = options_.lr * options_.minLrRatio;
    if (step < options_.warmup)
        return peak * static_cast<double>(step + 1) / static_cast<double>(options_.warmup);
    const double span = std::max<int64_t>(1, options_.steps - options_.warmup);
    const double progress = std::min(1.0, static_cast<double>(step - options_.warmup) / span);
    return floor + (peak - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

StepKind stepKind(const TrainerOptions &options, int64_t step)
{
    auto every = [&](int64_t n) { return n > 0 && (step + 1) % n == 0; };
    if (every(options.longEvery))
        return StepKind::Long;
    if (every(options.readingEvery))
        return StepKind::Reading;
    if (every(options.listingEvery))
        return StepKind::Listing;
    if (every(options.searchEvery))
        return StepKind::Search;
    if (every(options.existsEvery))
        return StepKind::Exists;
    return every(options.quizEvery) ? StepKind::Quiz : StepKind::Stream;
}

Conversation DemoTrainer::item(StepKind kind, uint64_t index) const
{
    switch (kind) {
    case StepKind::Long:
        return longTrainingItem(options_.seed, index);
    case StepKind::Reading:
        return readingTrainingItem(options_.seed, index);
    case StepKind::Listing:
        return listingTrainingItem(options_.seed, index, options_.listing);
    case StepKind::Search:
        return searchTrainingItem(options_.seed, index);
    case StepKind::Exists:
        return existenceTrainingItem(options_.seed, index);
    case StepKind::Quiz:
        return quizTrainingItem(options_.seed, index, options_.quizObjects);
    default:
        return trainingItem(options_.seed, index);
    }
}

double DemoTrainer::trainStep()
{
    // Whole steps of long conversations rather than one per batch. That once kept padded
    // batches short; batches are packed now, and the schedule stays so that the stream, and
    // with it a run from the same options, is the one the shipped model was trained on.
    // Question drills are short and all one-word answers: the skill descriptions do not teach
    // (find the cell a question names, count, search by colour and shape).
    const StepKind kind = stepKind(options_, d_->step);
    std::vector<Sample> samples;
    for (int64_t b = 0; b < options_.batch; ++b) {
        const int64_t slot = kind == StepKind::Long ? d_->step / options_.longEvery : d_->step;
        auto index = static_cast<uint64_t>(slot * options_.batch + b);
        if (options_.repeatItems > 0)
            index %= static_cast<uint64_t>(options_.repeatItems);
        samples.push_back(encodeConversation(item(kind, index), d_->format));
    }
    const Batch batch = collate(samples);
    const double lr = learningRate(d_->step);
    for (auto &group : d_->optimizer->param_groups())
        static_cast<torch::optim::AdamWOptions &>(group.options()).lr(lr);

    d_->optimizer->zero_grad();
    at::Tensor features, hidden;
    at::Tensor logits =
        d_->model->forwardPacked(batch.ids, batch.lengths, batch.pixels, d_->compute, &features,
                                 options_.askedLayer, d_->asked ? &hidden : nullptr);
    at::Tensor labels = batch.labels.to(logits.device());
    at::Tensor loss = at::cross_entropy_loss(logits, labels, {}, at::Reduction::Mean, kIgnoreLabel);
    at::Tensor total = loss;
    d_->perceptionLoss = 0;
    if (options_.perceptionWeight > 0 && features.defined()) {
        d_->updateColourWords();
        at::Tensor perception = d_->perception->loss(features, batch.cells);
        d_->perceptionLoss = perception.item<double>();
        total = total + options_.perceptionWeight * perception;
    }
    if (d_->asked) {
        at::Tensor asked = d_->asked->loss(hidden, batch.askedColour, batch.askedShape);
        d_->askedLoss = asked.item<double>();
        total = total + asked;
    }
    total.backward();
    std::vector<at::Tensor> params;
    for (auto &[name, p] : d_->trainable())
        params.push_back(p);
    torch::nn::utils::clip_grad_norm_(params, options_.clipNorm);
    d_->optimizer->step();
    ++d_->step;
    return loss.item<double>();
}

std::string DemoTrainer::answer(const Conversation &c, int maxNewTokens)
{
    torch::NoGradGuard noGrad;
    Sample prompt = evaluationPrompt(c, d_->format);
    std::vector<int> generated;
    for (int i = 0; i < maxNewTokens; ++i) {
        // Full recomputation: simple, and the held-out prompts are short for this model.
        at::Tensor ids = at::tensor(prompt.ids, at::kLong).view({1, -1});
        at::Tensor logits = d_->model->forward(ids, prompt.pixels, d_->compute);
        const int64_t next = logits[0][-1].argmax().item<int64_t>();
        if (next == d_->format.eosId)
            break;
        generated.push_back(static_cast<int>(next));
        prompt.ids.push_back(next);
    }
    return trimmed(d_->tokenizer.decode(generated));
}

EvalResult DemoTrainer::evaluate(int64_t shortItems)
{
    HeldOutCounts counts;
    counts.shortQuestions = static_cast<int>(shortItems);
    counts.descriptions = 0;
    counts.followUps = counts.earlierImages =
        static_cast<int>(std::max<int64_t>(1, shortItems / 4));
    EvalResult r;
    int64_t shortRight = 0, followRight = 0, earlierRight = 0;
    const auto items = heldOutSet(options_.seed, counts);
    {
        torch::NoGradGuard noGrad;
        std::vector<at::Tensor> pixels, cells;
        for (int i = 0; i < counts.shortQuestions; ++i) {
            pixels.push_back(scenePixels(items[static_cast<size_t>(i)].scenes[0], d_->format));
            cells.push_back(cellLabels(items[static_cast<size_t>(i)].scenes[0]));
        }
        if (!pixels.empty()) {
            const auto device = d_->model->params().begin()->second.device();
            d_->updateColourWords();
            r.perception = d_->perception->accuracy(
                d_->model->visionFeatures(at::cat(pixels, 0).to(device), d_->compute),
                at::stack(cells, 0));
        }
        if (d_->asked && counts.shortQuestions > 0) {
            std::vector<Sample> questions;
            for (int i = 0; i < counts.shortQuestions; ++i)
                questions.push_back(encodeConversation(items[static_cast<size_t>(i)], d_->format));
            const Batch batch = collate(questions);
            at::Tensor hidden;
            d_->model->forwardPacked(batch.ids, batch.lengths, batch.pixels, d_->compute, nullptr,
                                     options_.askedLayer, &hidden);
            r.asked = d_->asked->accuracy(hidden, batch.askedColour, batch.askedShape);
        }
    }
    for (const auto &c : items) {
        const bool right = answer(c, 8) == c.turns.back().answer;
        switch (c.turns.back().kind) {
        case TurnKind::FollowUp:
            followRight += right;
            break;
        case TurnKind::EarlierImage:
            earlierRight += right;
            break;
        default:
            shortRight += right;
        }
        ++r.items;
    }
    r.shortExact = static_cast<double>(shortRight) / static_cast<double>(counts.shortQuestions);
    r.followUpExact = static_cast<double>(followRight) / counts.followUps;
    r.earlierImageExact = static_cast<double>(earlierRight) / counts.earlierImages;
    return r;
}

void DemoTrainer::saveModel() const
{
    ckpt::NamedTensors tensors;
    for (const auto &[name, p] : d_->model->params())
        tensors.emplace_back(ckpt::onDiskName(name, ckpt::NameScheme::Legacy),
                             p.detach().to(at::kCPU).contiguous());
    ckpt::writeSafetensors(modelDir() / "model.safetensors", tensors);
}

void DemoTrainer::saveState() const
{
    const auto dir = options_.out / "state";
    std::filesystem::create_directories(dir);
    ckpt::NamedTensors tensors;
    for (const auto &[name, p] : d_->trainable())
        tensors.emplace_back(name, p.detach().to(at::kCPU).contiguous());
    ckpt::writeSafetensors(dir / "params.safetensors", tensors);
    torch::save(*d_->optimizer, (dir / "optimizer.pt").string());
    std::ofstream(dir / "state.json")
        << json{{"step", d_->step}, {"seed", options_.seed}}.dump() << '\n';
}

void DemoTrainer::resume()
{
    const auto dir = options_.out / "state";
    std::ifstream in(dir / "state.json");
    if (!in)
        throw std::runtime_error((dir / "state.json").string() + ": nothing to resume");
    const json state = json::parse(in);
    if (state.at("seed").get<uint64_t>() != options_.seed)
        throw std::runtime_error("--resume: the run was started with another --seed");
    ckpt::SafetensorsFile file(dir / "params.safetensors");
    // The optimizer's state is per tensor, so the heads must match before it is loaded.
    struct OptionalHead
    {
        const char *tensor;
        bool wanted;
        const char *option;
    };
    const OptionalHead heads[] = {
        {"perception.position.weight", options_.positionHead, "--position-head"},
        {"asked.colour.weight", options_.askedLayer >= 0, "--asked-head"}};
    for (const OptionalHead &h : heads)
        if (static_cast<bool>(file.find(h.tensor)) != h.wanted)
            throw std::runtime_error(dir.string() + " was written " +
                                     (h.wanted ? "without " : "with ") + h.option +
                                     ": resume it the same way");
    torch::NoGradGuard noGrad;
    for (auto &[name, p] : d_->trainable()) {
        if (!file.find(name))
            throw std::runtime_error(dir.string() + " has no " + name +
                                     ": it was written by another trainer version or model size; "
                                     "start a new run folder");
        p.copy_(file.view(name));
    }
    torch::load(*d_->optimizer, (dir / "optimizer.pt").string());
    d_->step = state.at("step").get<int64_t>();
}

void DemoTrainer::growFrom(const std::filesystem::path &stateDir)
{
    loadGrown(d_->trainable(), ckpt::SafetensorsFile(stateDir / "params.safetensors"));
}

void DemoTrainer::initFrom(const std::filesystem::path &modelDir)
{
    const ckpt::SafetensorsFile file(modelDir / "model.safetensors");
    // A deeper checkpoint would pass the per-tensor checks with its extra blocks left out.
    if (file.tensors().size() != d_->model->params().size())
        throw std::runtime_error(file.path().string() + " holds " +
                                 std::to_string(file.tensors().size()) + " tensors, this run's " +
                                 "model " + std::to_string(d_->model->params().size()) +
                                 ": give the options (sizes, tokenizer) of the run that wrote it");
    torch::NoGradGuard noGrad;
    for (auto &[name, p] : d_->model->params()) {
        const std::string onDisk = ckpt::onDiskName(name, ckpt::NameScheme::Legacy);
        if (!file.find(onDisk))
            throw std::runtime_error(file.path().string() + " has no " + onDisk +
                                     ": start from a model this trainer wrote");
        const at::Tensor value = file.view(onDisk);
        if (value.sizes() != p.sizes())
            throw std::runtime_error(file.path().string() + ": " + onDisk +
                                     " has another shape than this run's: give the options "
                                     "(sizes, tokenizer) of the run that wrote it");
        p.copy_(value);
    }
}

void DemoTrainer::run()
{
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const int64_t first = d_->step;
    double smoothed = -1;
    auto report = [&](const EvalResult &e) {
        std::cerr << "\n[eval] step " << d_->step << ": short " << e.shortExact * 100
                  << "%, follow-up " << e.followUpExact * 100 << "%, earlier image "
                  << e.earlierImageExact * 100 << "% (" << e.items << " items); perception shape "
                  << e.perception[0] * 100 << "%, size " << e.perception[1] * 100 << "%, colour "
                  << e.perception[2] * 100 << "%";
        if (d_->asked)
            std::cerr << "; asked colour " << e.asked[0] * 100 << "%, shape " << e.asked[1] * 100
                      << "%";
        std::cerr << '\n';
    };
    while (d_->step < options_.steps) {
        const double loss = trainStep();
        smoothed = smoothed < 0 ? loss : 0.95 * smoothed + 0.05 * loss;
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const double rate = static_cast<double>(d_->step - first) / seconds;
        if (options_.progress) {
            const int width = 30;
            const int filled = static_cast<int>(width * d_->step / options_.steps);
            std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
                      << std::string(static_cast<size_t>(width - filled), '.') << "] " << d_->step
                      << "/" << options_.steps << " loss " << loss << " (avg " << smoothed
                      << ") perception " << d_->perceptionLoss << " asked " << d_->askedLoss
                      << " lr " << learningRate(d_->step - 1) << " " << rate << " steps/s, eta "
                      << static_cast<int64_t>((options_.steps - d_->step) / rate) << " s   "
                      << std::flush;
        }
        if (options_.evalEvery > 0 && d_->step % options_.evalEvery == 0)
            report(evaluate(options_.evalItems));
        if (options_.saveEvery > 0 && d_->step % options_.saveEvery == 0) {
            saveState();
            saveModel();
        }
    }
    saveState();
    saveModel();
    report(evaluate(options_.evalItems));
}

} // namespace ec::demo
