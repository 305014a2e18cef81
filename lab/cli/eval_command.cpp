// elastic-lab eval: the sweep (options on `eval` itself), `eval merge` of shard outputs and
// `eval report` of a records file.
#include "lab/cli/lab_commands.h"
#include "lab/cli/eval_sweep.h"
#include "lab/eval/record_files.h"
#include "lab/eval/report.h"
#include "lab/eval/summary.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

namespace ec::cli {

namespace {

struct MergeArgs
{
    std::vector<std::string> inputs;
    std::string out;
};

void writeReportFor(const std::string &records, const std::string &dir)
{
    const auto rows = eval::summarize(eval::readRecordFile(records).records);
    for (const auto &file : eval::writeReport(rows, dir))
        std::cerr << "eval: wrote " << file << "\n";
    std::cout << eval::summaryMarkdown(rows);
}

void addMerge(CLI::App &eval)
{
    auto args = std::make_shared<MergeArgs>();
    auto *cmd = eval.add_subcommand(
        "merge", "Combine the records of shard runs into OUT/records.jsonl and write the report");
    cmd->add_option("inputs", args->inputs, "Shard record files (records-shard-*.jsonl)")
        ->required();
    cmd->add_option("--out", args->out, "Output folder")->required();
    cmd->callback([args] {
        std::filesystem::create_directories(args->out);
        const auto merged = (std::filesystem::path(args->out) / "records.jsonl").string();
        const auto target = std::filesystem::weakly_canonical(merged);
        for (const auto &input : args->inputs)
            if (std::filesystem::weakly_canonical(input) == target)
                throw std::invalid_argument("eval merge: " + input + " is also the output");
        const auto report = eval::mergeRecordFiles(args->inputs, merged);
        std::cerr << "eval merge: " << report.inputs << " files, " << report.records << " records, "
                  << report.duplicates << " duplicates dropped -> " << merged << "\n";
        writeReportFor(merged, args->out);
    });
}

void addReport(CLI::App &eval)
{
    auto args = std::make_shared<MergeArgs>();
    auto *cmd = eval.add_subcommand("report", "Summary table and plots of a records file");
    cmd->add_option("records", args->out, "records.jsonl")->required()->check(CLI::ExistingFile);
    cmd->callback([args] {
        writeReportFor(args->out, std::filesystem::path(args->out).parent_path().string());
    });
}

} // namespace

void addEvalCommand(CLI::App &app)
{
    auto o = std::make_shared<EvalSweepOptions>();
    auto *cmd = app.add_subcommand(
        "eval", "Quality of each cache policy against the full cache: PPL (teacher forcing), "
                "ROUGE-L, KL, top-1 agreement and exact match over methods x budgets");
    cmd->require_subcommand(0, 1);
    cmd->add_option("--model", o->model, "llava-hf checkpoint folder (default: the demo model)");
    cmd->add_option("--dataset", o->dataset, "Dataset JSON (MM-Vet or multi-turn form)");
    cmd->add_option("--format", o->format, "auto, mmvet or multiturn")
        ->check(CLI::IsMember({"auto", "mmvet", "multiturn"}));
    cmd->add_option("--out", o->out, "Output folder")->capture_default_str();
    cmd->add_option("--methods", o->methods, "Policies (full runs at budget 1 only)")
        ->delimiter(',');
    cmd->add_option("--budgets", o->budgets, "Kept fractions, e.g. 0.9,0.5,0.1")->delimiter(',');
    cmd->add_option("--shard", o->shard, "Run shard i of n (i/n); sample k goes to k mod n")
        ->capture_default_str();
    cmd->add_option("--limit", o->limit, "Only the first N samples (0 = all)");
    cmd->add_option("--threads", o->threads, "CPU threads (0: $OMP_NUM_THREADS, else all)");
    cmd->add_option("--max-tokens", o->maxNewTokens, "Most generated tokens per answer")
        ->capture_default_str();
    cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N");
    cmd->add_option("--dtype", o->dtype, "auto, f32, bf16 or f16");
    cmd->add_option("--weights", o->weights, "Linear-layer weights: auto (the compute dtype), f32, bf16, f16, q8 or q4");
    cmd->add_option("--template", o->templateName, "llava-hf or llava_v1");
    cmd->add_option("--sinks", o->sinks, "Protected first tokens")->capture_default_str();
    cmd->add_option("--distance", o->distance, "elastic-paper/elastic-ref fixed point offset")
        ->capture_default_str();
    cmd->add_option("--elastic-recent", o->elasticRecent,
                    "Newest entries elastic keeps unmerged (0: the newest prompt)")
        ->capture_default_str();
    cmd->add_flag("--no-generate", o->skipGeneration, "Skip generation (no ROUGE-L, exact match)");
    cmd->add_flag("--no-teacher-forcing", o->skipTeacherForcing, "Skip PPL, KL and top-1");
    addMerge(*cmd);
    addReport(*cmd);
    cmd->callback([o, cmd] {
        if (!cmd->get_subcommands().empty())
            return; // merge or report ran
        if (int code = runEvalSweep(*o); code != 0)
            throw CLI::RuntimeError(code);
    });
}

} // namespace ec::cli
