// elastic-lab bench: the benchmark modes, each a function the bench subcommand calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ec::cli {

struct KernelBenchOptions
{
    std::string device = "auto"; // auto (cuda when usable), cpu, cuda
    std::string dtype;           // bf16, f16, f32; empty: bf16 on CPU, f16 on CUDA
    std::vector<int64_t> tokens; // empty: the device's default set
    std::vector<int64_t> batches;
    int layers = 32, heads = 32, headDim = 128;
    double budget = 0.2; // kept fraction for merge-compact (the paper's headline budget)
    int reps = 0;        // 0: 3 on CPU, 20 on CUDA
    int threads = 0;     // torch intra-op threads; 0: all hardware threads
    bool quick = false;
    bool cpuTime = false; // CPU: time by process CPU time (a shared machine), not wall clock
};

// Times the kernels at LLaVA-1.5-7B shapes against a plain copy of the same bytes; prints a
// Markdown table. Returns the process exit code.
int runKernelBench(const KernelBenchOptions &options);

struct LinearBenchOptions
{
    std::vector<std::string> formats{"f32", "bf16", "f16", "q8", "q4"};
    std::vector<int64_t> tokens{1, 512}; // rows of x: a decode step, a prefill
    int64_t rows = 5632, cols = 2048;    // TinyLlama-1.1B's MLP
    int matrices = 3;
    int reps = 5;
    int threads = 0;
};

// The CPU linear products per weight format against a copy of the same bytes.
int runLinearBench(const LinearBenchOptions &options);

struct CacheBenchCliOptions
{
    std::vector<std::string> policies; // empty: full, local, h2o, elastic, elastic-ref
    std::vector<int64_t> tokens;       // empty: 512, 1024, 2048, 4096
    int layers = 8, heads = 8, headDim = 64;
    std::string dtype = "bf16";
    double budget = 0.5;
    int decodeSteps = 64;
};

// Compaction time against cache size and per-token decode overhead of each cache policy.
int runCacheBench(const CacheBenchCliOptions &options);

struct EngineBenchOptions
{
    std::string model;         // llava-hf folder, or
    std::string randomWeights; // a llava-hf config.json: random weights at its sizes
    std::string preset;        // paper-1024-512 | paper-624-256
    std::vector<std::string> methods; // empty: the preset's, else full, local, h2o, elastic
    std::vector<double> budgets;      // empty: 0.2 (the paper's Table 2)
    std::vector<int64_t> batches;     // empty: the preset's, else 1
    int64_t prompt = 128, gen = 32;
    int reps = 1;
    bool noWarmup = false;
    std::string device = "auto", dtype = "auto", weights = "auto", json;
    int threads = 0;
};

// Prefill, time to first token, decode ms/token, tokens/s, peak cache and RSS, compaction time
// per method x budget x batch on random prompt ids; a Markdown table on stdout, JSON with --json.
int runEngineBench(EngineBenchOptions options);

} // namespace ec::cli
