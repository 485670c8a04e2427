// A reusable barrier for the engine's worker threads. Epochs are short (0.2 ms of model time is
// a few microseconds of work), so waiting threads spin briefly before yielding: a futex-based
// std::barrier costs more than the work between two barriers.
#pragma once

#include <atomic>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sf::sim {

class spin_barrier {
public:
    explicit spin_barrier(int participants) : participants_(participants), waiting_(participants) {}

    void arrive_and_wait() {
        const unsigned generation = generation_.load(std::memory_order_acquire);
        if (waiting_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            waiting_.store(participants_, std::memory_order_relaxed);
            generation_.fetch_add(1, std::memory_order_release);
            return;
        }
        for (int spins = 0; generation_.load(std::memory_order_acquire) == generation; ++spins) {
            if (spins < 2000) {
#if defined(__x86_64__)
                _mm_pause();
#endif
            } else {
                std::this_thread::yield();
            }
        }
    }

private:
    const int participants_;
    std::atomic<int> waiting_;
    std::atomic<unsigned> generation_{0};
};

}  // namespace sf::sim
