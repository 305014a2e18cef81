// elastic-cli: the headless front end (chat, inspection, history). Benchmarks and the quality
// sweeps are in elastic-lab (lab/cli).
#include "app/cli/commands.h"
#include "ec_build_info.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

int main(int argc, char **argv)
{
    CLI::App app{"Elastic Chat command line: chat with vision-language models under a KV-cache "
                 "memory budget"};
    app.set_version_flag("--version", std::string("elastic-cli ") + EC_VERSION_STRING);
    app.require_subcommand(1);
    ec::cli::addDoctorCommand(app);
    ec::cli::addChatCommand(app);
    ec::cli::addHistoryCommand(app);
    ec::cli::addTextCommands(app);
    ec::cli::addLogitsCommand(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        // CLI11 prints the message (or the help); a bad argument exits 1 like every other error.
        return app.exit(e) == 0 ? 0 : 1;
    } catch (const std::exception &e) {
        std::cerr << "elastic-cli: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
