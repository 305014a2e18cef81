// The subcommands of elastic-cli; each file adds one to the CLI11 app.
#pragma once

namespace CLI {
class App;
}

namespace ec::cli {

void addDoctorCommand(CLI::App &app);
void addLogitsCommand(CLI::App &app);
void addBenchEngineCommand(CLI::App &app);

} // namespace ec::cli
