// Online per-population spike statistics, computed while spikes stream past (a spike_sink), so
// a run's report needs no second pass over its output and memory is O(neurons).
//
//   rate_hz   = spikes / (neurons x duration)                     [Hz]
//   cv_isi    = mean over neurons with >= 2 ISIs (>= 3 spikes) of std(ISI)/mean(ISI),
//               population std (ddof = 0); NaN when no neuron qualifies.
//   window rate: the same rate restricted to spikes at t in (window_start_ms, window_end_ms]
//               (spike times are grid points in (0, T], so the last 200 ms are (T-200, T]).
#pragma once

#include "core/recording.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sf::analysis {

struct population_statistics {
    std::string name;
    std::uint64_t neurons = 0;
    std::uint64_t spikes = 0;
    double rate_hz = 0;
    double cv_isi = 0;             // NaN when no neuron has 2 ISIs
    std::uint64_t cv_neurons = 0;  // neurons that entered the CV mean
    double window_rate_hz = 0;     // rate in the window given to the constructor
};

class spike_summary final : public core::spike_sink {
public:
    // Spikes at t in (window_start_ms, window_end_ms] also count for the window rate.
    spike_summary(double window_start_ms, double window_end_ms);

    void begin(const std::vector<core::population_info>& populations, double dt_ms) override;
    void write_spikes(std::size_t population, std::span<const std::int64_t> steps,
                      std::span<const std::uint32_t> nodes) override;
    void finish() override {}

    // duration_ms: the simulated time the rates refer to.
    std::vector<population_statistics> statistics(double duration_ms) const;

private:
    struct neuron_isi {
        std::int64_t last_step = -1;
        std::uint32_t intervals = 0;
        double mean = 0, m2 = 0;  // Welford accumulators of the ISI [steps]
    };
    struct population_state {
        core::population_info info;
        std::vector<neuron_isi> neurons;
        std::uint64_t spikes = 0, window_spikes = 0;
    };
    double window_start_ms_, window_end_ms_;
    double dt_ms_ = 0;
    std::int64_t window_first_step_ = 0, window_last_step_ = 0;  // the window in steps, inclusive
    std::vector<population_state> populations_;
};

}  // namespace sf::analysis
