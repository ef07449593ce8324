// Persistent threads, one per in-process rank. Each step the engine hands every rank the
// same job and waits; threads live for the whole run so no step pays for thread start-up.
// An exception on any rank is rethrown to the caller after all ranks finish the job.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace moe {

class RankRunner {
public:
    // `threadsPerRank`: cores each rank's matrix products may use.
    RankRunner(int ranks, int threadsPerRank);
    ~RankRunner();
    RankRunner(const RankRunner&) = delete;
    RankRunner& operator=(const RankRunner&) = delete;

    int ranks() const { return static_cast<int>(threads_.size()); }
    int threadsPerRank() const { return threadsPerRank_; }
    // Runs job(rank) on every rank thread and returns when all are done.
    void run(const std::function<void(int rank)>& job);

private:
    void loop(int rank);
    std::vector<std::thread> threads_;
    int threadsPerRank_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(int)>* job_ = nullptr;
    long generation_ = 0;
    int pending_ = 0;
    bool stop_ = false;
    std::exception_ptr error_;
};

}  // namespace moe
