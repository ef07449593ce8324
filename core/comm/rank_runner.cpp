// A generation counter wakes the rank threads for each job; the last one to finish signals.
#include "core/comm/rank_runner.h"

#include "core/comm/abortable_barrier.h"
#include "core/common/error.h"
#include "core/model/cpu_backend.h"

namespace moe {
namespace {
bool isPeerFailure(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const PeerFailure&) {
        return true;
    } catch (...) {
        return false;
    }
}
}  // namespace

RankRunner::RankRunner(int ranks, int threadsPerRank) : threadsPerRank_(threadsPerRank) {
    if (ranks <= 0) throw Error("rank count must be positive, got " + std::to_string(ranks));
    for (int r = 0; r < ranks; ++r) threads_.emplace_back([this, r] { loop(r); });
}

RankRunner::~RankRunner() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
}

void RankRunner::run(const std::function<void(int)>& job) {
    std::unique_lock lock(mutex_);
    job_ = &job;
    error_ = nullptr;
    pending_ = ranks();
    ++generation_;
    wake_.notify_all();
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
}

void RankRunner::loop(int rank) {
    setComputeThreadsForThisThread(threadsPerRank_);
    long seen = 0;
    for (;;) {
        const std::function<void(int)>* job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            job = job_;
        }
        std::exception_ptr err;
        try {
            (*job)(rank);
        } catch (...) {
            err = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        // Keep the root cause: a PeerFailure only says some other rank failed first.
        if (err && (!error_ || isPeerFailure(error_))) error_ = err;
        if (--pending_ == 0) done_.notify_all();
    }
}

}  // namespace moe
