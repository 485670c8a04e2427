#include "analysis/spike_summary.hpp"

#include <cmath>
#include <limits>

namespace sf::analysis {

spike_summary::spike_summary(double window_start_ms, double window_end_ms)
    : window_start_ms_(window_start_ms), window_end_ms_(window_end_ms) {}

void spike_summary::begin(const std::vector<core::population_info>& populations, double dt_ms) {
    dt_ms_ = dt_ms;
    // Spike times are grid points step * dt in (0, T]; the window (start, end] is compared in
    // whole steps so that no spike sits on a rounding boundary.
    window_first_step_ = std::llround(window_start_ms_ / dt_ms) + 1;
    window_last_step_ = std::llround(window_end_ms_ / dt_ms);
    populations_.clear();
    for (const auto& info : populations) {
        population_state p;
        p.info = info;
        p.neurons.assign(info.size, {});
        populations_.push_back(std::move(p));
    }
}

void spike_summary::write_spikes(std::size_t population, std::span<const std::int64_t> steps,
                                 std::span<const std::uint32_t> nodes) {
    auto& p = populations_[population];
    p.spikes += nodes.size();
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        if (steps[k] >= window_first_step_ && steps[k] <= window_last_step_) ++p.window_spikes;
        auto& n = p.neurons[nodes[k]];
        if (n.last_step >= 0) {
            const double isi = static_cast<double>(steps[k] - n.last_step);
            ++n.intervals;
            const double delta = isi - n.mean;
            n.mean += delta / n.intervals;
            n.m2 += delta * (isi - n.mean);
        }
        n.last_step = steps[k];
    }
}

std::vector<population_statistics> spike_summary::statistics(double duration_ms) const {
    std::vector<population_statistics> out;
    const double window_ms = std::max(0.0, std::min(window_end_ms_, duration_ms) - window_start_ms_);
    for (const auto& p : populations_) {
        population_statistics s;
        s.name = p.info.name;
        s.neurons = p.info.size;
        s.spikes = p.spikes;
        s.rate_hz = duration_ms > 0 ? static_cast<double>(p.spikes) / static_cast<double>(p.info.size) / (duration_ms * 1e-3) : 0.0;
        s.window_rate_hz = window_ms > 0
                               ? static_cast<double>(p.window_spikes) / static_cast<double>(p.info.size) / (window_ms * 1e-3)
                               : 0.0;
        double cv_sum = 0;
        for (const auto& n : p.neurons) {
            if (n.intervals < 2 || n.mean <= 0) continue;
            cv_sum += std::sqrt(n.m2 / n.intervals) / n.mean;
            ++s.cv_neurons;
        }
        s.cv_isi = s.cv_neurons ? cv_sum / static_cast<double>(s.cv_neurons) : std::numeric_limits<double>::quiet_NaN();
        out.push_back(s);
    }
    return out;
}

}  // namespace sf::analysis
