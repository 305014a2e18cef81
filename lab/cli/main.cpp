// elastic-lab: what the engineers measure the engine with: benchmarks (random weights at real
// shapes, the paper's protocol) and the quality sweeps against the full cache, with the
// reference-code policies registered beside the product's.
#include "ec_build_info.h"
#include "lab/cli/lab_commands.h"
#include "lab/reference_policies/reference_policies.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

int main(int argc, char **argv)
{
    ec::cache::registerReferencePolicies();
    CLI::App app{"Elastic Chat lab: benchmarks and cache-quality sweeps"};
    app.set_version_flag("--version", std::string("elastic-lab ") + EC_VERSION_STRING);
    app.require_subcommand(1);
    ec::cli::addBenchCommand(app);
    ec::cli::addEvalCommand(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    } catch (const std::exception &e) {
        std::cerr << "elastic-lab: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
