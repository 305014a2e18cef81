// elastic-lab eval: methods x budgets over a dataset, on the engine, as the paper evaluates
// (elastic-cache-paper.md §8): teacher-forced PPL with the policy applied after every forward,
// greedy generation scored by ROUGE-L against the full cache's generation, and next-token KL and
// top-1 agreement against the full cache at the same teacher-forced positions; generations are
// also scored against the dataset's answers (exact match, ROUGE-L), per question kind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ec::cli {

struct EvalSweepOptions
{
    std::string model;   // llava-hf folder with tokenizer; empty: the demo model
    std::string dataset; // MM-Vet or multi-turn JSON (lab/eval/dataset.h)
    std::string format = "auto";
    std::string out = "eval-out"; // folder: records*.jsonl, summary.md/.csv, plot_*.png/.svg
    std::vector<std::string> methods{"full", "elastic", "elastic-paper", "elastic-ref",
                                     "h2o",  "h2o-ref", "local"};
    std::vector<double> budgets{0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1};
    std::string shard = "0/1";
    int64_t limit = 0; // first N samples (the reference's --eval-samples); 0 = all
    int64_t maxNewTokens = 256;
    int threads = 0; // 0: $OMP_NUM_THREADS, else all
    std::string device = "auto", dtype = "auto", weights = "auto", templateName;
    int64_t sinks = 1, distance = -25, elasticRecent = 0;
    bool skipGeneration = false;     // PPL, KL and top-1 only
    bool skipTeacherForcing = false; // ROUGE-L and exact match only
};

int runEvalSweep(const EvalSweepOptions &options);

// The records file of a shard inside `out` ("records.jsonl" when unsharded).
std::string recordsPath(const std::string &out, int64_t shardIndex, int64_t shardCount);

} // namespace ec::cli
