// One piece of work at a time on a worker thread, its outcome handed back on the GUI thread:
// what the what-if matrix (whatif_job.h) and the recording reader (recording_job.h) share, so
// that neither blocks the window and both end before their owner does.
#pragma once

#include <QObject>
#include <atomic>
#include <functional>
#include <thread>

namespace moe::gui {

class GuiWorker : public QObject {
public:
    explicit GuiWorker(QObject* parent = nullptr) : QObject(parent) {}
    ~GuiWorker() override { wait(); }

    // Runs `work` on a worker thread (it must not throw: it turns failures into its outcome);
    // the function it returns then runs on the GUI thread, through the event loop, so never
    // before this returns. False while the last work is still running.
    bool start(std::function<std::function<void()>()> work);
    bool running() const { return running_.load(); }

protected:
    // Until the worker thread has ended: a derived class whose members the work uses calls it
    // in its own destructor, before those members go.
    void wait() {
        if (thread_.joinable()) thread_.join();
    }

private:
    std::thread thread_;
    std::atomic<bool> running_{false};
};

}  // namespace moe::gui
