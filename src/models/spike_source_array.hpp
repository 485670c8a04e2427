// spike_source_array: neurons that emit given spike times (PyNN's SpikeSourceArray, NEST's
// spike_generator). Times [ms] are put on the grid: a time t is emitted at the end of step
// round(t/dt) - 1, i.e. at the grid point nearest to t; t must be >= dt. Repeated times are
// repeated spikes.
#pragma once

#include "core/error.hpp"
#include "sim/model_api.hpp"
#include "sim/network_spec.hpp"

#include <cmath>
#include <fmt/format.h>

namespace sf::models {

struct spike_source_array {
    static constexpr std::string_view name = "spike_source_array";
    static constexpr std::array<std::string_view, 0> receptors{};
    static constexpr bool conductance_based = false;

    struct params {};
    static constexpr std::array<sim::param_desc<params>, 0> param_table{};
    static void validate(const params&) {}

    struct state {
        std::vector<std::vector<std::int64_t>> steps;  // per neuron, ascending emission steps
        std::vector<std::size_t> cursor;                // per neuron, next entry to emit
        void resize(std::size_t n, const params&) {
            steps.assign(n, {});
            cursor.assign(n, 0);
        }
        std::size_t size() const { return steps.size(); }
    };
    static constexpr std::array<sim::field_desc<state>, 0> field_table{};

    struct propagators {
        static propagators make(const params&, double) { return {}; }
    };

    static void configure(state& s, const sim::population_spec& spec, double h, const std::string& where) {
        if (spec.spike_times_ms.size() > s.size())
            throw core::config_error(fmt::format("{}.spike_times: {} lists for {} neurons", where,
                                                 spec.spike_times_ms.size(), s.size()));
        for (std::size_t i = 0; i < spec.spike_times_ms.size(); ++i) {
            double previous = -1.0;
            for (double t : spec.spike_times_ms[i]) {
                if (!std::isfinite(t) || t < h - 1e-9 * h)
                    throw core::config_error(fmt::format("{}.spike_times[{}]: time {} ms must be >= dt ({} ms)", where, i, t, h));
                if (t < previous)
                    throw core::config_error(fmt::format("{}.spike_times[{}]: times must be ascending ({} after {})", where, i, t, previous));
                previous = t;
                s.steps[i].push_back(std::llround(t / h) - 1);
            }
        }
    }

    static void update(const propagators&, state& s, const sim::update_args& a, sim::spike_list& spikes) {
        for (std::size_t i = a.begin; i < a.end; ++i) {
            auto& c = s.cursor[i];
            const auto& st = s.steps[i];
            while (c < st.size() && st[c] <= a.step) {
                if (st[c] == a.step) spikes.push_back(static_cast<std::uint32_t>(i));
                ++c;
            }
        }
    }
};

}  // namespace sf::models
