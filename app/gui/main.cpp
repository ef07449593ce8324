// moe-workbench: the Qt 6 desktop front end. Parses the command line (--demo, --config,
// --steps, --screenshot, --bench-ui, --open-run, --whatif), opens the main window and, for
// --demo, starts the experiment (the default one, or --config's) at once; for --whatif, its
// what-if matrix.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "app/gui/experiment_config.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"
#include "core/common/error.h"

namespace {
// With no display at all (a server, CI), options that need no window (--help, --version,
// --screenshot) still work: fall back to Qt's offscreen platform instead of aborting.
void offscreenWithoutDisplay(int argc, char** argv) {
    if (std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY") || std::getenv("QT_QPA_PLATFORM"))
        return;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h" || a == "--version" || a == "-v" ||
            a.rfind("--screenshot", 0) == 0 || a.rfind("--bench-ui", 0) == 0) {
            setenv("QT_QPA_PLATFORM", "offscreen", 1);
            return;
        }
    }
}

struct Options {
    bool demo = false, scripted = false, benchUi = false, stepsGiven = false, whatIf = false;
    long long steps = 0, openRun = 0;
    QString screenshot, viewShots, benchReport, configFile;
    QString recording;  // a positional argument: a recording or trace to open as the workload
};

int readOptions(const QCommandLineParser& parser, const std::vector<QCommandLineOption>& opts,
                Options& o);

// Parses the command line into Options; exits (through Qt) on --help and --version. Returns
// an exit code > 0 for a bad combination, 0 when fine.
int parseOptions(QApplication& app, Options& o) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "MoE Workbench: replay or generate MoE routing, run it on in-process ranks and watch "
        "expert load and rank balance live.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption demo("demo",
                            "Start the experiment at once: the default one (GPT-OSS-20B trace "
                            "replay on 4 ranks, SW_Avg, ARIMA and Distribution-Only predictors, "
                            "EPLB duplication every 50 steps) or --config's.");
    QCommandLineOption config(
        "config",
        "Put the experiment config in FILE in the panel: a config file, or what `moe-workbench-cli "
        "runs show RUN --format json` prints.",
        "FILE");
    QCommandLineOption steps("steps", "Run N steps (0 = the whole workload).", "N", "0");
    QCommandLineOption screenshot(
        "screenshot", "When the run ends, save the window to FILE (PNG) and exit.", "FILE");
    QCommandLineOption benchUi(
        "bench-ui",
        "Responsiveness benchmark: 24 layers x 32 experts (synthetic), a 2,000-step window, 6 "
        "predictor curves, no recording; runs --steps steps (default 20,000), prints frame-time "
        "percentiles, frame rate, engine rate and memory, writes them to FILE, and exits.",
        "FILE");
    QCommandLineOption database(
        "db",
        "Experiment database to record to and browse (default: $MOE_DB or the XDG data "
        "folder).",
        "FILE");
    QCommandLineOption viewShots("screenshot-views",
                                 "With --screenshot: also save each view as DIR/VIEW.png.", "DIR");
    QCommandLineOption openRun("open-run",
                               "Open stored run ID of the database at start (a what-if run in "
                               "the What-if view); with --screenshot, save it and exit.",
                               "ID");
    QCommandLineOption whatIf(
        "whatif",
        "Run the what-if matrix of the experiment (the default one, or --config's) at start: its "
        "predictors, its policy beside EPLB, GPS and FasterMoE, every step and every 50. With "
        "--screenshot, save the window when it ends and exit (--screenshot-views adds "
        "what-if-matrix.png and what-if-curve.png).");
    parser.addOptions(
        {demo, config, steps, screenshot, viewShots, benchUi, database, openRun, whatIf});
    parser.addPositionalArgument(
        "recording",
        "A routing recording (SGLang .pt or CSV, Megatron .jsonl, SGLang/vLLM responses "
        ".jsonl, .npy, .safetensors, a folder of per-rank files) or a .tsv.gz trace to open "
        "as the workload; with --demo, run it.",
        "[recording]");
    parser.process(app);
    o.whatIf = parser.isSet(whatIf);
    if (!parser.positionalArguments().isEmpty()) o.recording = parser.positionalArguments().front();
    return readOptions(parser,
                       {steps, screenshot, viewShots, benchUi, database, openRun, demo, config}, o);
}

// The parsed values into Options, in the order parseOptions declared them; 2 for a bad value or
// combination (printed), 0 when fine.
int readOptions(const QCommandLineParser& parser, const std::vector<QCommandLineOption>& opts,
                Options& o) {
    const auto& [steps, screenshot, viewShots, benchUi, database, openRun, demo, config] =
        std::tie(opts[0], opts[1], opts[2], opts[3], opts[4], opts[5], opts[6], opts[7]);
    bool ok = false;
    o.steps = parser.value(steps).toLongLong(&ok);
    if (!ok || o.steps < 0) {
        std::fprintf(stderr, "moe-workbench: --steps wants a number >= 0\n");
        return 2;
    }
    o.stepsGiven = parser.isSet(steps);
    o.demo = parser.isSet(demo);
    o.benchUi = parser.isSet(benchUi);
    o.benchReport = parser.value(benchUi);
    o.screenshot = parser.value(screenshot);
    o.viewShots = parser.value(viewShots);
    o.configFile = parser.value(config);
    o.scripted = parser.isSet(screenshot) || o.benchUi;
    if (parser.isSet(openRun)) {
        o.openRun = parser.value(openRun).toLongLong(&ok);
        if (!ok || o.openRun < 1) {
            std::fprintf(stderr, "moe-workbench: --open-run wants a run id (1 or more)\n");
            return 2;
        }
    }
    if (parser.isSet(screenshot) && !o.demo && !o.whatIf && o.openRun == 0) {
        std::fprintf(stderr, "moe-workbench: --screenshot needs --demo, --whatif or --open-run\n");
        return 2;
    }
    if (o.whatIf && (o.demo || o.benchUi || o.openRun > 0)) {
        std::fprintf(stderr,
                     "moe-workbench: --whatif goes with neither --demo, --bench-ui nor "
                     "--open-run\n");
        return 2;
    }
    if (parser.isSet(database)) setenv("MOE_DB", qPrintable(parser.value(database)), 1);
    return 0;
}

// --config's file as a config; prints why not and returns false when it cannot be used.
bool readConfigFile(const QString& path, moe::gui::ExperimentConfig& config) {
    std::ifstream in(path.toLocal8Bit().toStdString());
    std::stringstream text;
    text << in.rdbuf();
    try {
        if (!in) throw moe::Error(path.toStdString() + ": cannot be read");
        config = moe::storedExperimentConfig(text.str(), path.toStdString());
        moe::checkExperimentConfig(config);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "moe-workbench: %s\n", e.what());
        return false;
    }
    config.frontEnd = "gui";
    return true;
}

// The experiment the panel starts with: --bench-ui's, --config's, the default (--demo) or the
// remembered one, with --steps over it.
bool setUpPanel(moe::gui::MainWindow& window, const Options& o) {
    moe::gui::ExperimentConfig config = window.panel()->config();
    if (o.benchUi) {
        config = moe::gui::uiBenchConfig(o.stepsGiven ? o.steps : 20000);
    } else if (!o.configFile.isEmpty()) {
        if (!readConfigFile(o.configFile, config)) return false;
    } else if (o.demo || o.whatIf) {
        config = moe::gui::defaultGuiConfig();
    }
    if (!o.benchUi && (o.stepsGiven || ((o.demo || o.whatIf) && o.configFile.isEmpty())))
        config.workload.steps = o.steps;
    window.panel()->setConfig(config);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    offscreenWithoutDisplay(argc, argv);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("MoE Workbench");
    QApplication::setApplicationName("moe-workbench");
    QApplication::setApplicationVersion(MOE_VERSION);
    Options o;
    if (const int code = parseOptions(app, o)) return code;
    // Scripted and demo runs leave the remembered settings alone.
    moe::gui::MainWindow window(!o.demo && !o.whatIf && !o.scripted);
    if (!setUpPanel(window, o)) return 2;
    // The screenshot path first: it makes a scripted run print its errors instead of waiting on
    // a message box nobody will click (a recording that cannot be read hung such a run).
    if (!o.screenshot.isEmpty()) window.setScreenshotOnFinish(o.screenshot);
    if (!o.recording.isEmpty() && !window.openRecording(o.recording) && o.scripted) return 1;
    if (o.benchUi) {
        window.enableUiBench(o.benchReport);
        window.setWindowWidths(2000);
    }
    if (!o.viewShots.isEmpty()) window.setViewShotsDir(o.viewShots);
    window.show();
    if (o.demo || o.benchUi) QTimer::singleShot(0, &window, &moe::gui::MainWindow::startRun);
    if (o.whatIf) QTimer::singleShot(0, &window, [&window] { window.runWhatIfMatrix(); });
    if (o.openRun > 0 && !o.demo)  // after the window opened its database (queued before)
        QTimer::singleShot(0, &window, [&window, &o] {
            const bool opened = window.openStoredRun(o.openRun);
            if (o.screenshot.isEmpty()) return;
            if (opened)
                window.screenshotAndQuit();
            else
                QApplication::exit(1);
        });
    return app.exec();
}
