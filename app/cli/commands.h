// The subcommands of elastic-cli; each file adds one to the CLI11 app.
#pragma once

namespace CLI {
class App;
}

namespace ec::cli {

void addDoctorCommand(CLI::App &app);
// chat: one-shot (--prompt) or interactive conversation with images, streamed to stdout.
void addChatCommand(CLI::App &app);
void addBenchCommand(CLI::App &app);
// eval (methods x budgets sweep), eval merge, eval report.
void addEvalCommand(CLI::App &app);
// history list|show|search|export|import|delete|stats|bench, over the SQLite history store.
void addHistoryCommand(CLI::App &app);
// history bench: timings of the store on a generated history (called by addHistoryCommand).
void addHistoryBenchCommand(CLI::App &history);
void addTextCommands(CLI::App &app); // tokenize, detokenize, preprocess
void addLogitsCommand(CLI::App &app);
void addContextMode(CLI::App &bench); // bench context (bench_engine_command.cpp)

} // namespace ec::cli
