// See gui_worker.h.
#include "app/gui/gui_worker.h"

#include <QMetaObject>

namespace moe::gui {

bool GuiWorker::start(std::function<std::function<void()>()> work) {
    if (running_) return false;
    wait();
    // Marked running once the thread exists (its outcome comes through the event loop, after
    // this returns): a thread that cannot start leaves nothing marked.
    thread_ = std::thread([this, work = std::move(work)] {
        std::function<void()> then = work();
        QMetaObject::invokeMethod(this, [this, then = std::move(then)] {
            running_ = false;
            then();
        });
    });
    running_ = true;
    return true;
}

}  // namespace moe::gui
