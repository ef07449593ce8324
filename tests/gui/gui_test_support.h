// Shared by the in-process GUI tests: one offscreen QApplication per process, and a wait that
// keeps the event loop turning (the main window's timer drains the engine on it).
#pragma once

#include <QApplication>
#include <QElapsedTimer>
#include <QThread>
#include <functional>

namespace moe::test {

inline void ensureApp() {
    if (QApplication::instance()) return;
    qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "moe_gui_tests";
    static char* argv[] = {name, nullptr};
    new QApplication(argc, argv);
}

// How much longer than a plain build's a wait may take: a sanitized build runs the engine
// several times slower, and a fixed 120 s wait then failed runs that were merely slow.
// MOE_TEST_TIME_SCALE overrides.
inline double timeScale() {
    bool given = false;
    const double scale = qEnvironmentVariable("MOE_TEST_TIME_SCALE").toDouble(&given);
    if (given && scale > 0) return scale;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return 5;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    return 5;
#endif
#endif
    return 1;
}

// Processes events until `done` holds or `timeoutMs` (scaled by timeScale()) passes; returns
// whether it held.
inline bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    const double limit = timeoutMs * timeScale();
    while (!done()) {
        if (clock.elapsed() > limit) return false;
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

}  // namespace moe::test
