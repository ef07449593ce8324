// moe-workbench-cli: the headless front end over moe_core. Parses the command line, runs the
// chosen command, and turns every moe::Error into a message on stderr and a non-zero exit.
#include <iostream>
#include <map>

#include "app/cli/commands.h"
#include "core/common/error.h"

int main(int argc, char** argv) {
    CLI::App app{
        "MoE Workbench (headless): run MoE layers on real routing, measure expert load.\n"
        "Run `moe-workbench-cli COMMAND --help` for a command's options."};
    app.set_version_flag("--version", std::string("moe-workbench-cli ") + MOE_VERSION);
    app.require_subcommand(0, 1);
    std::map<CLI::App*, moe::cli::Action> actions;
    auto add = [&](moe::cli::Action (*f)(CLI::App&)) {
        const size_t before = app.get_subcommands({}).size();
        moe::cli::Action a = f(app);
        actions[app.get_subcommands({})[before]] = std::move(a);
    };
    add(moe::cli::addRunCommand);
    add(moe::cli::addStatsCommand);
    add(moe::cli::addDevicesCommand);
    add(moe::cli::addRunsCommand);
    add(moe::cli::addCompareCommand);
    add(moe::cli::addExportCommand);
    add(moe::cli::addPredictCommand);
    add(moe::cli::addPlanCommand);
    add(moe::cli::addSweepCommand);
    add(moe::cli::addTrainCommand);
    add(moe::cli::addWhatIfCommand);
    add(moe::cli::addImportCommand);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        for (auto& [sub, action] : actions)
            if (sub->parsed()) return action();
        std::cout << app.help();
        return 0;
    } catch (const moe::Error& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}
