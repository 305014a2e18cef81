// elastic-cli logits: the logits the engine computes for given token ids (and images), so any
// other implementation can be compared with it: text (--prompt/--image/--answer) or ids.
#include "app/cli/commands.h"
#include "engine/chat/chat_session.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/runtime.h"
#include "engine/session.h"

#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

namespace ec::cli {

namespace {

struct LogitsArgs
{
    std::string model, ids, answerIds, pixels, out;
    std::string prompt, answer; // text forms, through the checkpoint's tokenizer and template
    std::vector<std::string> images;
    std::string device = "auto", dtype = "auto", weights = "auto", policy = "full";
    double keepRatio = 1.0;
    int64_t maxTokens = 0;
};

std::vector<int64_t> parseIds(const std::string &text, const char *flag)
{
    std::vector<int64_t> ids;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty())
            continue;
        try {
            size_t used = 0;
            ids.push_back(std::stoll(item, &used));
            if (used != item.size())
                throw std::invalid_argument(item);
        } catch (const std::exception &) {
            throw std::runtime_error(std::string(flag) + ": '" + item +
                                     "' is not a token id (give comma-separated integers)");
        }
    }
    return ids;
}

// The id form: prompt ids (image positions expanded or one marker per image) and pixels.
engine::UserTurn promptFromIds(const LogitsArgs &a, const engine::ModelInfo &info)
{
    engine::UserTurn prompt;
    prompt.ids = parseIds(a.ids, "--ids");
    if (prompt.ids.empty())
        throw std::runtime_error("--ids: give at least one token id");
    if (!a.pixels.empty()) {
        engine::checkpoint::SafetensorsFile file(a.pixels);
        if (!file.find("pixel_values"))
            throw std::runtime_error(a.pixels + ": no tensor 'pixel_values' [N, C, H, W]");
        at::Tensor pixels = file.view("pixel_values").to(at::kFloat);
        if (pixels.dim() == 3)
            pixels = pixels.unsqueeze(0);
        for (int64_t i = 0; i < pixels.size(0); ++i)
            prompt.images.push_back(pixels[i].clone());
    }
    const auto markers = std::count(prompt.ids.begin(), prompt.ids.end(), info.imageTokenId);
    const auto images = static_cast<int64_t>(prompt.images.size());
    if (markers % info.tokensPerImage != 0 && markers != images)
        throw std::runtime_error("--ids has " + std::to_string(markers) + " image markers (id " +
                                 std::to_string(info.imageTokenId) + ") but --image-pixels gives " +
                                 std::to_string(images) + " image(s); give one image per marker");
    if (markers > 0 && markers == images && info.tokensPerImage > 1)
        prompt.ids = engine::expandImageMarkers(prompt.ids, info.imageTokenId, info.tokensPerImage);
    return prompt;
}

void runLogits(const LogitsArgs &a)
{
    engine::initRuntime();
    if (a.ids.empty() == a.prompt.empty())
        throw std::runtime_error("give the prompt either as --prompt TEXT or as --ids IDS");
    auto model = engine::loadModel(a.model, {a.device, a.dtype, a.weights});
    const auto &info = model->info();

    engine::ChatOptions options;
    options.session.policy.name = a.policy;
    options.session.policy.budget.keepRatio = a.keepRatio;
    options.session.policy.budget.maxTokens = a.maxTokens;
    std::unique_ptr<engine::ChatSession> chat;
    std::unique_ptr<engine::Session> plain;
    engine::UserTurn prompt;
    std::vector<int64_t> answer;
    if (!a.prompt.empty()) {
        // Text form: exactly the ids `elastic-cli chat` would feed for this turn.
        chat = std::make_unique<engine::ChatSession>(*model, a.model, options);
        for (const auto &file : a.images)
            prompt.images.push_back(chat->loadImage(file));
        prompt.ids = chat->turnIds(a.prompt, static_cast<int64_t>(prompt.images.size()));
        for (int id : chat->tokenizer().encode(a.answer, /*addBos=*/false))
            answer.push_back(id);
    } else {
        prompt = promptFromIds(a, info);
        answer = parseIds(a.answerIds, "--answer-ids");
        plain = std::make_unique<engine::Session>(*model, options.session);
    }
    engine::Session &session = chat ? chat->session() : *plain;
    const std::vector<int64_t> promptIds = prompt.ids;
    session.addUserTurn(std::move(prompt));
    at::Tensor promptLogits =
        session.feed(engine::LogitsMode::Last, cache::Phase::Prefill).logits[0][0].cpu();
    std::vector<at::Tensor> answerLogits;
    for (int64_t id : answer) {
        session.addUserTurn(engine::UserTurn{{id}, {}});
        answerLogits.push_back(
            session.feed(engine::LogitsMode::Last, cache::Phase::Decode).logits[0][0].cpu());
    }

    engine::checkpoint::NamedTensors out{
        {"prompt_ids", at::tensor(promptIds, at::kLong)},
        {"prompt_logits", promptLogits.contiguous()},
        {"answer_ids", at::tensor(answer, at::kLong)},
        {"answer_logits", answerLogits.empty() ? at::zeros({0, info.vocabSize})
                                               : at::stack(answerLogits, 0).contiguous()},
    };
    engine::checkpoint::writeSafetensors(a.out, out,
                                         {{"format", "pt"},
                                          {"policy", a.policy},
                                          {"cache_entries", std::to_string(session.cache().size())},
                                          {"tokens_seen", std::to_string(session.tokensSeen())}});
    std::cerr << "logits: " << promptIds.size() << " prompt ids, " << answer.size()
              << " answer ids, vocabulary " << info.vocabSize << ", cache entries "
              << session.cache().size() << " -> " << a.out << "\n";
}

} // namespace

void addLogitsCommand(CLI::App &app)
{
    auto args = std::make_shared<LogitsArgs>();
    auto *cmd = app.add_subcommand(
        "logits", "Write the prompt's ids and last-position logits (f32), and the teacher-forced "
                  "logits of --answer-ids, to a safetensors file");
    cmd->add_option("--model", args->model, "Checkpoint folder (llava-hf format)")->required();
    cmd->add_option("--prompt", args->prompt,
                    "Prompt text, rendered with the checkpoint's chat template");
    cmd->add_option("--image", args->images, "Image file shown with --prompt (repeatable)");
    cmd->add_option("--answer", args->answer, "Answer text fed token by token after --prompt");
    cmd->add_option("--ids", args->ids,
                    "Prompt token ids, comma-separated (image positions "
                    "expanded, or one image id per image)");
    cmd->add_option("--image-pixels", args->pixels,
                    "safetensors file with 'pixel_values' [N, C, H, W], preprocessed");
    cmd->add_option("--answer-ids", args->answerIds,
                    "Answer ids fed one by one; answer_logits[i] follows answer id i");
    cmd->add_option("--policy", args->policy, "Cache policy applied after each forward")
        ->capture_default_str();
    cmd->add_option("--keep-ratio", args->keepRatio, "Budget: kept fraction of tokens seen")
        ->capture_default_str();
    cmd->add_option("--max-entries", args->maxTokens, "Budget: absolute cap (0 = none)");
    cmd->add_option("--device", args->device, "auto, cpu or cuda[:N]")->capture_default_str();
    cmd->add_option("--dtype", args->dtype, "auto, f32, bf16 or f16")->capture_default_str();
    cmd->add_option("--weights", args->weights, "Linear-layer weights: auto (the compute dtype), f32, bf16, f16, q8 or q4")
        ->capture_default_str();
    cmd->add_option("--out", args->out, "Output .safetensors file")->required();
    cmd->callback([args] { runLogits(*args); });
}

} // namespace ec::cli
