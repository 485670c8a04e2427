// In-memory sinks for tests: keep every spike and sample the engine streams out.
#pragma once

#include "core/recording.hpp"

#include <map>
#include <vector>

namespace sf::test {

struct captured_spike {
    std::size_t population;
    std::int64_t step;
    std::uint32_t node;
    bool operator==(const captured_spike&) const = default;
};

class capture_spikes final : public core::spike_sink {
public:
    std::vector<core::population_info> populations;
    std::vector<captured_spike> spikes;
    double dt_ms = 0;
    bool finished = false;
    void begin(const std::vector<core::population_info>& p, double dt) override {
        populations = p;
        dt_ms = dt;
    }
    void write_spikes(std::size_t population, std::span<const std::int64_t> steps, std::span<const std::uint32_t> nodes) override {
        for (std::size_t k = 0; k < nodes.size(); ++k) spikes.push_back({population, steps[k], nodes[k]});
    }
    void finish() override { finished = true; }
    // Spike times [ms] of one neuron.
    std::vector<double> times_of(std::size_t population, std::uint32_t node) const {
        std::vector<double> t;
        for (const auto& s : spikes)
            if (s.population == population && s.node == node) t.push_back(static_cast<double>(s.step) * dt_ms);
        return t;
    }
};

class capture_state final : public core::state_sink {
public:
    std::vector<core::state_probe> probes;
    // per probe: (time [ms], values of its nodes)
    std::map<std::size_t, std::vector<std::pair<double, std::vector<double>>>> samples;
    double dt_ms = 0;
    void begin(const std::vector<core::state_probe>& p, double dt) override {
        probes = p;
        dt_ms = dt;
    }
    void write_samples(std::size_t probe, std::int64_t first_step, std::size_t n_samples, std::span<const double> rows) override {
        const std::size_t width = probes[probe].nodes.size();
        for (std::size_t r = 0; r < n_samples; ++r) {
            const double t = static_cast<double>(first_step + static_cast<std::int64_t>(r) * probes[probe].interval_steps) * dt_ms;
            samples[probe].emplace_back(t, std::vector<double>(rows.begin() + static_cast<std::ptrdiff_t>(r * width),
                                                               rows.begin() + static_cast<std::ptrdiff_t>((r + 1) * width)));
        }
    }
    void finish() override {}
};

}  // namespace sf::test
