// moe-workbench: the Qt 6 desktop front end. Parses the command line (--demo, --steps,
// --screenshot, --bench-ui), opens the main window and, for --demo, starts the default
// experiment at once.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/gui/experiment_config.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"

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
}  // namespace

int main(int argc, char** argv) {
    offscreenWithoutDisplay(argc, argv);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("MoE Workbench");
    QApplication::setApplicationName("moe-workbench");
    QApplication::setApplicationVersion(MOE_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "MoE Workbench: replay or generate MoE routing, run it on in-process ranks and watch "
        "expert load and rank balance live.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption demo("demo",
                            "Start the default experiment at once (GPT-OSS-20B trace replay on "
                            "4 ranks, SW_Avg, ARIMA and Distribution-Only predictors, EPLB "
                            "duplication every 50 steps).");
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
    parser.addOptions({demo, steps, screenshot, viewShots, benchUi, database});
    parser.process(app);

    bool ok = false;
    const long long stepCount = parser.value(steps).toLongLong(&ok);
    if (!ok || stepCount < 0) {
        std::fprintf(stderr, "moe-workbench: --steps wants a number >= 0\n");
        return 2;
    }
    const bool scripted = parser.isSet(screenshot) || parser.isSet(benchUi);
    if (parser.isSet(screenshot) && !parser.isSet(demo)) {
        std::fprintf(stderr, "moe-workbench: --screenshot needs --demo\n");
        return 2;
    }

    if (parser.isSet(database)) setenv("MOE_DB", qPrintable(parser.value(database)), 1);
    // Scripted and demo runs use the defaults and leave the remembered settings alone.
    moe::gui::MainWindow window(!parser.isSet(demo) && !scripted);
    if (parser.isSet(benchUi)) {
        window.panel()->setConfig(moe::gui::uiBenchConfig(parser.isSet(steps) ? stepCount : 20000));
        window.enableUiBench(parser.value(benchUi));
        window.setWindowWidths(2000);
    } else if (parser.isSet(demo)) {
        moe::gui::ExperimentConfig config = moe::gui::defaultGuiConfig();
        config.workload.steps = stepCount;
        window.panel()->setConfig(config);
    } else if (parser.isSet(steps)) {
        moe::gui::ExperimentConfig config = window.panel()->config();
        config.workload.steps = stepCount;
        window.panel()->setConfig(config);
    }
    if (parser.isSet(screenshot)) window.setScreenshotOnFinish(parser.value(screenshot));
    if (parser.isSet(viewShots)) window.setViewShotsDir(parser.value(viewShots));
    window.show();
    if (parser.isSet(demo) || parser.isSet(benchUi))
        QTimer::singleShot(0, &window, &moe::gui::MainWindow::startRun);
    return app.exec();
}
