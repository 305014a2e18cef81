// elastic-cli chat: a conversation with a vision-language model on the terminal. One-shot with
// --prompt (repeat it for several turns), otherwise an interactive REPL. Answers stream to
// stdout; with --stats each turn's statistics go to stderr as one JSON object per line.
#include "app/cli/commands.h"
#include "cache/cache_choice.h"
#include "app/cli/turn_stats_json.h"
#include "app/paths.h"
#include "engine/chat/chat_session.h"
#include "engine/runtime.h"

#include "app/cli/option_checks.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>

namespace ec::cli {

namespace {

struct ChatArgs
{
    std::string model;
    std::vector<std::string> images;
    std::vector<std::string> prompts;
    std::string device = "auto", dtype = "auto", weights = "auto", templateName, system;
    std::string policy = "full";
    double budget = 1.0;
    double maxCacheMb = 0;
    int64_t sinks = 1, distance = -25;
    int64_t maxTokens = 256;
    int threads = 0;
    double temperature = 0, topP = 1.0, repetitionPenalty = 1.0;
    int64_t topK = 0;
    uint64_t seed = 0;
    bool stats = false;
};

std::atomic<bool> interrupted{false};

std::filesystem::path modelDirectory(const std::string &given)
{
    if (!given.empty())
        return given;
    auto demo = app::resourcesDirectory() / "models" / "demo";
    if (!std::filesystem::exists(demo / "config.json"))
        throw std::runtime_error("no model given and no demo model at " + demo.string() +
                                 ": pass --model DIR (a llava-hf checkpoint folder)");
    return demo;
}

engine::GenerationOptions generationOptions(const ChatArgs &a)
{
    engine::GenerationOptions g;
    g.maxNewTokens = a.maxTokens;
    g.sampler.temperature = a.temperature;
    g.sampler.topK = a.topK;
    g.sampler.topP = a.topP;
    g.sampler.repetitionPenalty = a.repetitionPenalty;
    g.sampler.seed = a.seed;
    return g;
}

class ChatRunner
{
public:
    explicit ChatRunner(const ChatArgs &args)
        : args_(args)
    {
        engine::initRuntime(args.threads);
        dir_ = modelDirectory(args.model);
        model_ = engine::loadModel(dir_, {args.device, args.dtype, args.weights});
        engine::fitThreadsToModel(args.threads, model_->info().bytesPerToken);
        engine::ChatOptions options;
        options.session.policy.name = args.policy;
        options.session.policy.budget.keepRatio = args.budget;
        options.session.policy.budget.maxBytes =
            static_cast<int64_t>(args.maxCacheMb * double(cache::kBytesPerMB));
        options.session.policy.sinks = args.sinks;
        options.session.policy.distance = args.distance;
        options.templateName = args.templateName;
        options.systemPrompt = args.system;
        chat_ = std::make_unique<engine::ChatSession>(*model_, dir_, options);
    }

    void turn(const std::string &text, const std::vector<std::string> &imageFiles)
    {
        std::vector<at::Tensor> images;
        for (const auto &file : imageFiles)
            images.push_back(chat_->loadImage(file));
        interrupted = false;
        auto reply = chat_->ask(
            text, images, generationOptions(args_),
            [](const std::string &piece) { std::cout << piece << std::flush; }, &interrupted);
        std::cout << std::endl;
        ++turns_;
        if (args_.stats)
            std::cerr << turnStatsJson(turns_, chat_->session().policy().name(), reply.result)
                      << std::endl;
        last_ = reply.result.stats;
    }

    void repl()
    {
        std::vector<std::string> pendingImages = args_.images;
        std::cerr << "Chatting with " << dir_.string() << " (" << chat_->session().policy().name()
                  << " cache). Commands: /image PATH, /reset, /stats, /quit\n";
        std::string line;
        while (std::cout << "> " << std::flush, std::getline(std::cin, line)) {
            if (line == "/quit" || line == "/exit")
                break;
            if (line.rfind("/image ", 0) == 0) {
                pendingImages.push_back(line.substr(7));
                continue;
            }
            if (line == "/reset") {
                chat_->reset();
                pendingImages.clear();
                continue;
            }
            if (line == "/stats") {
                engine::TurnResult shell;
                shell.stats = last_;
                std::cout << turnStatsJson(turns_, chat_->session().policy().name(), shell)
                          << std::endl;
                continue;
            }
            if (line.empty())
                continue;
            try {
                turn(line, pendingImages);
                pendingImages.clear();
            } catch (const std::exception &e) {
                // The conversation survives a bad image or an over-long prompt.
                std::cerr << "error: " << e.what() << std::endl;
            }
        }
    }

private:
    const ChatArgs &args_;
    std::filesystem::path dir_;
    std::unique_ptr<engine::VisionLanguageModel> model_;
    std::unique_ptr<engine::ChatSession> chat_;
    engine::TurnStats last_;
    int turns_ = 0;
};

void runChat(const ChatArgs &args)
{
    ChatRunner runner(args);
    // Ctrl+C stops the answer being generated, not the program.
    std::signal(SIGINT, [](int) { interrupted = true; });
    if (args.prompts.empty()) {
        runner.repl();
        return;
    }
    for (size_t i = 0; i < args.prompts.size(); ++i)
        runner.turn(args.prompts[i], i == 0 ? args.images : std::vector<std::string>{});
}

} // namespace

void addChatCommand(CLI::App &app)
{
    auto args = std::make_shared<ChatArgs>();
    auto *cmd = app.add_subcommand("chat", "Chat with a vision-language model about images");
    cmd->add_option("--model", args->model, "llava-hf checkpoint folder (default: the demo model)");
    cmd->add_option("--image", args->images, "Image for the first turn (repeatable)");
    cmd->add_option("--prompt", args->prompts, "One-shot turn (repeat for several turns)");
    cmd->add_option("--device", args->device, "auto, cpu, cuda or cuda:N");
    cmd->add_option("--dtype", args->dtype, "auto, f32, bf16 or f16");
    cmd->add_option("--weights", args->weights, "Linear-layer weights: auto (the compute dtype), f32, bf16, f16, q8 or q4");
    cmd->add_option("--template", args->templateName, "llava-hf or llava_v1 (default: checkpoint's)");
    cmd->add_option("--system", args->system, "System prompt");
    cmd->add_option("--policy", args->policy,
                    "Cache policy: full, elastic, h2o, snapkv, local or elastic-paper");
    cmd->add_option("--budget", args->budget, "Kept fraction of the tokens seen, in (0, 1]")
        ->check(finiteIn(0, 1, /*lowOpen=*/true));
    cmd->add_option("--max-cache-mb", args->maxCacheMb,
                    "Absolute cache cap in MB of 10^6 bytes, as the app's slider (0 = none)")
        ->check(finiteAtLeast(0));
    cmd->add_option("--sinks", args->sinks, "Protected first tokens")->check(integerAtLeast(0));
    cmd->add_option("--distance", args->distance,
                    "elastic-paper fixed point: N_tl = size + distance");
    cmd->add_option("--max-tokens", args->maxTokens, "Most tokens per answer")
        ->check(integerAtLeast(1));
    cmd->add_option("--threads", args->threads, "CPU threads (0: $OMP_NUM_THREADS, else all)")
        ->check(integerAtLeast(0));
    cmd->add_option("--temperature", args->temperature, "0 = greedy")->check(finiteAtLeast(0));
    cmd->add_option("--top-k", args->topK, "0 = no limit")->check(integerAtLeast(0));
    cmd->add_option("--top-p", args->topP, "Nucleus mass")->check(finiteIn(0, 1, true));
    cmd->add_option("--repetition-penalty", args->repetitionPenalty, "> 1 discourages repeats")
        ->check(finiteAtLeast(0, true));
    cmd->add_option("--seed", args->seed, "Sampling seed (same seed, same answer)");
    cmd->add_flag("--stats", args->stats, "Print each turn's statistics as JSON on stderr");
    cmd->callback([args] { runChat(*args); });
}

} // namespace ec::cli
