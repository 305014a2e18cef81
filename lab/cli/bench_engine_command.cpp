// elastic-lab bench context: prefill time and decode time per token at several context lengths.
// Decode cost should grow only with attention over the cache, never with copying it.
#include "lab/cli/lab_commands.h"
#include "engine/runtime.h"
#include "engine/session.h"

#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <random>

namespace ec::cli {

namespace {

struct BenchArgs
{
    std::string model, device = "auto", dtype = "auto", policy = "full";
    std::vector<int64_t> contexts{128, 512, 1024};
    int64_t decode = 16;
    int64_t batch = 1;
    int threads = 0;
};

double msSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void runBench(const BenchArgs &a)
{
    engine::initRuntime(a.threads);
    auto model = engine::loadModel(a.model, {a.device, a.dtype});
    const auto &info = model->info();
    std::printf("model %s: %lld layers, hidden %lld, kv heads %lld, vocab %lld, %s on %s, "
                "%d threads, batch %lld\n",
                a.model.c_str(), (long long)info.layers, (long long)info.hiddenSize,
                (long long)info.kvHeads, (long long)info.vocabSize, c10::toString(info.dtype),
                info.device.str().c_str(), engine::runtimeInfo().threads, (long long)a.batch);
    std::printf("%8s %12s %14s %16s %12s %10s\n", "context", "prefill ms", "prefill tok/s",
                "decode ms/token", "decode tok/s", "cache MB");
    std::mt19937 rng(1);
    for (int64_t context : a.contexts) {
        engine::SessionOptions o;
        o.batch = a.batch;
        o.policy.name = a.policy;
        o.maxContext = context + a.decode + 1;
        engine::Session session(*model, o);
        std::vector<engine::UserTurn> prompts(a.batch);
        for (auto &p : prompts) {
            for (int64_t i = 0; i < context; ++i) {
                int64_t id = 3 + static_cast<int64_t>(rng() % (info.vocabSize - 3));
                p.ids.push_back(id == info.imageTokenId ? 3 : id);
            }
        }
        session.addUserTurns(prompts);
        auto t0 = std::chrono::steady_clock::now();
        at::Tensor logits =
            session.feed(engine::LogitsMode::Last, cache::Phase::Prefill).logits.cpu();
        const double prefillMs = msSince(t0);
        auto t1 = std::chrono::steady_clock::now();
        for (int64_t step = 0; step < a.decode; ++step) {
            at::Tensor next = logits.select(1, 0).argmax(-1);
            std::vector<engine::UserTurn> tokens(a.batch);
            for (int64_t r = 0; r < a.batch; ++r) {
                int64_t id = next[r].item<int64_t>();
                tokens[r].ids = {id == info.imageTokenId ? 3 : id};
            }
            session.addUserTurns(tokens);
            logits = session.feed(engine::LogitsMode::Last, cache::Phase::Decode).logits.cpu();
        }
        const double decodeMs = a.decode > 0 ? msSince(t1) / a.decode : 0;
        std::printf("%8lld %12.1f %14.1f %16.2f %12.1f %10.2f\n", (long long)context, prefillMs,
                    1000.0 * context * a.batch / prefillMs, decodeMs,
                    decodeMs > 0 ? 1000.0 * a.batch / decodeMs : 0.0,
                    session.cache().bytesInUse() / 1048576.0);
        std::fflush(stdout);
    }
}

} // namespace

void addContextMode(CLI::App &bench)
{
    auto args = std::make_shared<BenchArgs>();
    auto *cmd = bench.add_subcommand("context", "Prefill ms and decode ms/token of the engine "
                                                   "at several context lengths (random ids)");
    cmd->add_option("--model", args->model, "Checkpoint folder (llava-hf format)")->required();
    cmd->add_option("--contexts", args->contexts, "Prompt lengths")
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--decode", args->decode, "Decode steps per context")->capture_default_str();
    cmd->add_option("--batch", args->batch, "Same-length prompts run together")
        ->capture_default_str();
    cmd->add_option("--policy", args->policy, "Cache policy")->capture_default_str();
    cmd->add_option("--device", args->device, "auto, cpu or cuda[:N]")->capture_default_str();
    cmd->add_option("--dtype", args->dtype, "auto, f32, bf16 or f16")->capture_default_str();
    cmd->add_option("--threads", args->threads, "Intra-op threads (0 = all)");
    cmd->callback([args] { runBench(*args); });
}

} // namespace ec::cli
