// elastic-lab bench <mode>: performance measurements. Each mode is a sub-subcommand; add new ones
// (e.g. an engine bench) beside `kernels` in addBenchCommand.
#include "lab/cli/bench.h"
#include "lab/cli/lab_commands.h"

#include <CLI/CLI.hpp>
#include <memory>

namespace ec::cli {

namespace {

void addKernelsMode(CLI::App &bench)
{
    auto options = std::make_shared<KernelBenchOptions>();
    auto *cmd = bench.add_subcommand(
        "kernels", "Time the cache kernels (importance, merge-compact, slot write) at LLaVA-1.5-7B "
                   "shapes against a device copy of the same bytes");
    cmd->add_option("--device", options->device, "auto, cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    cmd->add_option("--dtype", options->dtype, "Storage dtype: bf16, f16 or f32")
        ->check(CLI::IsMember({"bf16", "f16", "f32"}));
    cmd->add_option("--tokens", options->tokens, "Prompt lengths (cache slots), e.g. 600,4000")
        ->delimiter(',');
    cmd->add_option("--batch", options->batches, "Batch sizes, e.g. 1,16")->delimiter(',');
    cmd->add_option("--layers", options->layers, "Layers for the slot write")
        ->check(CLI::Range(1, 512));
    cmd->add_option("--heads", options->heads, "Attention heads")->check(CLI::Range(1, 1024));
    cmd->add_option("--head-dim", options->headDim, "Head dimension")->check(CLI::Range(1, 1024));
    cmd->add_option("--budget", options->budget, "Kept fraction for merge-compact")
        ->check(CLI::Range(0.01, 1.0));
    cmd->add_option("--reps", options->reps, "Timed repetitions per case")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--threads", options->threads, "CPU threads (0: all)")
        ->check(CLI::Range(0, 1024));
    cmd->add_flag("--cpu-time", options->cpuTime,
                  "On the CPU, time by process CPU time instead of wall clock (for a busy, shared "
                  "machine; use with --threads 1)");
    cmd->add_flag("--quick", options->quick, "Small sizes (fits a 2-core CPU in seconds)");
    cmd->callback([options] {
        if (int code = runKernelBench(*options); code != 0)
            throw CLI::RuntimeError(code);
    });
}

void addCacheMode(CLI::App &bench)
{
    auto options = std::make_shared<CacheBenchCliOptions>();
    auto *cmd = bench.add_subcommand(
        "cache", "Time each cache policy: compaction after a prompt, overhead per generated token");
    cmd->add_option("--policies", options->policies, "Policies, e.g. full,elastic,h2o")
        ->delimiter(',');
    cmd->add_option("--tokens", options->tokens, "Prompt lengths, e.g. 512,4096")->delimiter(',');
    cmd->add_option("--layers", options->layers, "Layers")->check(CLI::Range(1, 512));
    cmd->add_option("--heads", options->heads, "KV heads")->check(CLI::Range(1, 1024));
    cmd->add_option("--head-dim", options->headDim, "Head dimension")->check(CLI::Range(1, 1024));
    cmd->add_option("--dtype", options->dtype, "bf16 or f32")->check(CLI::IsMember({"bf16", "f32"}));
    cmd->add_option("--budget", options->budget, "Kept fraction")->check(CLI::Range(0.01, 1.0));
    cmd->add_option("--steps", options->decodeSteps, "Generated tokens timed per case")
        ->check(CLI::Range(1, 100000));
    cmd->callback([options] { runCacheBench(*options); });
}

void addLinearMode(CLI::App &bench)
{
    auto o = std::make_shared<LinearBenchOptions>();
    auto *cmd = bench.add_subcommand(
        "linear", "CPU matrix products per weight format (f32, bf16, f16, q8, q4) against a copy "
                  "of the same bytes: decode-step bandwidth and prefill GFLOP/s");
    cmd->add_option("--formats", o->formats, "Weight formats")->delimiter(',');
    cmd->add_option("--tokens", o->tokens, "Rows of x, e.g. 1,16,512")->delimiter(',');
    cmd->add_option("--rows", o->rows, "Output features")->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--cols", o->cols, "Input features")->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--matrices", o->matrices, "Matrices per pass")->check(CLI::Range(1, 64));
    cmd->add_option("--reps", o->reps, "Timed passes (the median is kept)")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--threads", o->threads, "Intra-op threads (0 = all)");
    cmd->callback([o] {
        if (int code = runLinearBench(*o); code != 0)
            throw CLI::RuntimeError(code);
    });
}

void addRunMode(CLI::App &bench)
{
    auto o = std::make_shared<EngineBenchOptions>();
    auto *cmd = bench.add_subcommand(
        "run", "End-to-end engine speed per method, budget, batch and prompt+generation length "
               "(prefill, TTFT, decode ms/token, tokens/s, peak cache and RSS, compaction)");
    cmd->add_option("--model", o->model, "llava-hf checkpoint folder");
    cmd->add_option("--random-weights", o->randomWeights,
                    "llava-hf config.json: random weights at its sizes, e.g. "
                    "resources/configs/llava-1.5-7b.json")
        ->check(CLI::ExistingFile);
    cmd->add_option("--preset", o->preset, "paper-1024-512 or paper-624-256 (Table 2)")
        ->check(CLI::IsMember({"paper-1024-512", "paper-624-256"}));
    cmd->add_option("--methods", o->methods, "Policies, e.g. full,elastic")->delimiter(',');
    cmd->add_option("--budgets", o->budgets, "Kept fractions, e.g. 0.2,0.5")->delimiter(',');
    cmd->add_option("--batch", o->batches, "Batch sizes, e.g. 1,16")->delimiter(',');
    cmd->add_option("--prompt", o->prompt, "Prompt tokens")->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--gen", o->gen, "Generated tokens")->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--reps", o->reps, "Repetitions per case (the fastest is kept)")
        ->check(CLI::Range(1, 100));
    cmd->add_flag("--no-warmup", o->noWarmup, "Skip the untimed warm-up forward");
    cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N");
    cmd->add_option("--dtype", o->dtype, "auto, f32, bf16 or f16");
    cmd->add_option("--weights", o->weights, "Linear-layer weights: auto (the compute dtype), f32, bf16, f16, q8 or q4");
    cmd->add_option("--threads", o->threads, "Intra-op threads (0 = all)");
    cmd->add_option("--json", o->json, "Also write the results as JSON to this file");
    cmd->callback([o] {
        if (int code = runEngineBench(*o); code != 0)
            throw CLI::RuntimeError(code);
    });
}

} // namespace

void addBenchCommand(CLI::App &app)
{
    auto *bench = app.add_subcommand("bench", "Performance benchmarks");
    bench->require_subcommand(1);
    addKernelsMode(*bench);
    addCacheMode(*bench);
    addRunMode(*bench);
    addLinearMode(*bench);
    addContextMode(*bench);
    addHistoryMode(*bench);
}

} // namespace ec::cli
