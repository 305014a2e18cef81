// The subcommands of elastic-cli; each file adds one to the CLI11 app.
#pragma once

namespace CLI {
class App;
}

namespace ec::cli {

void addDoctorCommand(CLI::App &app);
// chat: one-shot (--prompt) or interactive conversation with images, streamed to stdout.
void addChatCommand(CLI::App &app);
// history list|show|search|export|import|delete|stats, over the SQLite history store.
void addHistoryCommand(CLI::App &app);
void addTextCommands(CLI::App &app); // tokenize, detokenize, preprocess
void addLogitsCommand(CLI::App &app);

} // namespace ec::cli
