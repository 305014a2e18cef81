// The subcommands of elastic-lab, the engineers' binary: benchmarks and the quality sweeps. They
// need the random-weight writer and the reference-code policies, which the product never ships.
#pragma once

namespace CLI {
class App;
}

namespace ec::cli {

// bench kernels|cache|run|context|history
void addBenchCommand(CLI::App &app);
// eval (methods x budgets sweep), eval merge, eval report.
void addEvalCommand(CLI::App &app);
void addContextMode(CLI::App &bench); // bench context (bench_engine_command.cpp)
// bench history: timings of the store on a generated history (history_bench.cpp).
void addHistoryMode(CLI::App &bench);

} // namespace ec::cli
