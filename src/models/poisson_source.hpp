// poisson_source: a population of independent Poisson spike trains (PyNN's SpikeSourcePoisson,
// NEST's poisson_generator feeding parrot neurons). Used as a presynaptic population.
//
// In each step of [start, stop) a neuron emits k ~ Poisson(rate * dt) spikes (k copies of the
// spike on the grid, so no spikes are lost at high rates). Each neuron's numbers come from its
// own counter-based stream keyed by (seed, population, gid, step): independent of threads/ranks.
#pragma once

#include "core/error.hpp"
#include "core/rng.hpp"
#include "sim/model_api.hpp"

#include <cmath>
#include <fmt/format.h>

namespace sf::models {

struct poisson_source {
    static constexpr std::string_view name = "poisson_source";
    static constexpr std::array<std::string_view, 0> receptors{};
    static constexpr bool conductance_based = false;

    struct params {
        double rate_hz = 10.0;    // [Hz] rate of each train
        double start_ms = 0.0;    // [ms] first time a spike may occur (inclusive)
        double stop_ms = 1e300;   // [ms] end of activity (exclusive); default: never
    };
    static constexpr std::array<sim::param_desc<params>, 3> param_table{{
        {"rate_hz", "Hz", &params::rate_hz},
        {"start_ms", "ms", &params::start_ms},
        {"stop_ms", "ms", &params::stop_ms},
    }};
    static void validate(const params& p) {
        if (!(p.rate_hz >= 0) || !std::isfinite(p.rate_hz))
            throw core::config_error(fmt::format("rate_hz must be >= 0 and finite (got {})", p.rate_hz));
        if (!(p.start_ms >= 0) || !(p.stop_ms >= p.start_ms))
            throw core::config_error(fmt::format("need 0 <= start_ms <= stop_ms (got {} and {})", p.start_ms, p.stop_ms));
    }

    struct state {
        std::size_t n = 0;
        void resize(std::size_t size, const params&) { n = size; }
        std::size_t size() const { return n; }
    };
    static constexpr std::array<sim::field_desc<state>, 0> field_table{};

    struct propagators {
        double mean_per_step = 0;  // expected spikes per step
        std::int64_t first_step = 0, end_step = 0;  // active steps [first, end)
        static propagators make(const params& p, double h) {
            propagators q;
            q.mean_per_step = p.rate_hz * 1e-3 * h;
            // A spike produced in step s carries time (s+1) h; active while start <= t < stop.
            q.first_step = static_cast<std::int64_t>(std::ceil(p.start_ms / h - 1e-9)) - 1;
            q.end_step = p.stop_ms > 1e299 ? INT64_MAX : static_cast<std::int64_t>(std::ceil(p.stop_ms / h - 1e-9)) - 1;
            if (q.first_step < 0) q.first_step = 0;
            return q;
        }
    };

    static void update(const propagators& q, state&, const sim::update_args& a, sim::spike_list& spikes) {
        if (a.step < q.first_step || a.step >= q.end_step || q.mean_per_step <= 0) return;
        // P(no spike) lets most neurons skip the inversion: one uniform per neuron and step.
        const double p_none = std::exp(-q.mean_per_step);
        for (std::size_t i = a.begin; i < a.end; ++i) {
            const core::stream_id id{core::stream_purpose::source_spikes, a.population_index,
                                     a.first_gid + static_cast<std::uint32_t>(i)};
            const auto block = core::random_block(a.seed, id, static_cast<std::uint64_t>(a.step));
            const double u = core::uniform_from_words(block[0], block[1]);
            if (u < p_none) continue;
            const std::uint64_t k = core::poisson_by_inversion(q.mean_per_step, u);
            for (std::uint64_t c = 0; c < k; ++c) spikes.push_back(static_cast<std::uint32_t>(i));
        }
    }
};

}  // namespace sf::models
