// A reusable barrier for the engine's worker threads. Epochs are short (0.2 ms of model time is
// a few microseconds of work), so waiting threads spin briefly before sleeping: a futex-based
// std::barrier alone costs more than the work between two barriers.
#pragma once

#include <atomic>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sf::sim {

// It also makes one collective decision per phase: whether any participant asked to stop
// (request_stop(), e.g. after an exception). The last thread to arrive reads the requests and
// publishes the decision with the new phase, so every thread sees the same answer from the same
// arrive_and_wait() and they all leave the epoch loop together (no one is left waiting).
class spin_barrier {
public:
    explicit spin_barrier(int participants) : participants_(participants), waiting_(participants) {}

    void request_stop() { stop_requested_.store(true, std::memory_order_relaxed); }

    // Returns true when, at this phase, some participant had requested a stop.
    bool arrive_and_wait() {
        const unsigned generation = generation_.load(std::memory_order_acquire);
        if (waiting_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            stop_decided_ = stop_requested_.load(std::memory_order_relaxed);
            waiting_.store(participants_, std::memory_order_relaxed);
            generation_.fetch_add(1, std::memory_order_release);
            generation_.notify_all();
            return stop_decided_;
        }
        // Spin briefly (epochs are microseconds), then sleep in the kernel (futex) so that more
        // threads than cores, or a busy machine, do not burn the CPU the others need.
        for (int spins = 0; generation_.load(std::memory_order_acquire) == generation; ++spins) {
            if (spins < 2000) {
#if defined(__x86_64__)
                _mm_pause();
#endif
            } else if (spins < 2100) {
                std::this_thread::yield();
            } else {
                generation_.wait(generation, std::memory_order_acquire);
            }
        }
        return stop_decided_;  // written before the release above, read after the acquire
    }

private:
    const int participants_;
    std::atomic<int> waiting_;
    std::atomic<unsigned> generation_{0};
    std::atomic<bool> stop_requested_{false};
    bool stop_decided_ = false;
};

}  // namespace sf::sim
