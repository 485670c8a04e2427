// A minimal parallel loop for independent work items (rows of a dataset, shards): `threads`
// workers take indices 0..n-1 in increasing order from a shared counter. Results must not depend
// on which thread ran an item: callers write item i's result to slot i.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sf::core {

// Runs fn(i) for i in [0, n) on min(threads, n) threads (the caller's thread is one of them).
// The first exception thrown by any fn stops the hand-out of further items and is rethrown here
// after every worker has returned.
inline void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    const auto work = [&] {
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                fn(i);
            } catch (...) {
                const std::lock_guard lock(error_mutex);
                if (!error) error = std::current_exception();
                next = n;
            }
        }
    };
    const std::size_t helpers = std::min<std::size_t>(n, threads > 1 ? static_cast<std::size_t>(threads) : 1) - (n > 0);
    {
        std::vector<std::jthread> pool;
        for (std::size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
        work();
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace sf::core
