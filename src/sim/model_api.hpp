// What a neuron or source model provides, and the tables that let the engine find its
// parameters and state by name (STYLE.md 3: a model is one header plus one registry line).
//
// A model is a struct with:
//   static constexpr std::string_view name;          // registry name, e.g. "iaf_psc_exp"
//   static constexpr std::array<std::string_view, R> receptors;  // input ports ({} for sources)
//   static constexpr bool conductance_based;          // weights are nS (true) or pA (false)
//   struct params { ... defaults ... };               // units in comments
//   static constexpr auto param_table;                // std::array<param_desc<params>, P>
//   static void validate(const params&);              // throws core::config_error("<name>: rule")
//   struct state { void resize(std::size_t n, const params&); ... };  // SoA, one vector per field
//   static constexpr auto field_table;                // std::array<field_desc<state>, F>: recordable
//   struct propagators { static propagators make(const params&, double dt_ms); };
//   static void update(const propagators&, state&, const update_args&, spike_list&);
// update() advances neurons [begin, end) from t = step*dt to (step+1)*dt, adds the inputs that
// arrive at the end of the step, and appends the local index of every neuron that fired.
#pragma once

#include "core/kernel_attributes.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sf::sim {

template <class Params>
struct param_desc {
    std::string_view name;
    std::string_view unit;
    double Params::*member;
};

// A model whose params struct derives from another model's (same parameters, other defaults)
// reuses that model's table: the member pointers are converted to the derived struct.
template <class Derived, class Base, std::size_t N>
constexpr std::array<param_desc<Derived>, N> derived_param_table(const std::array<param_desc<Base>, N>& base) {
    std::array<param_desc<Derived>, N> table{};
    for (std::size_t k = 0; k < N; ++k) table[k] = {base[k].name, base[k].unit, static_cast<double Derived::*>(base[k].member)};
    return table;
}

template <class State>
struct field_desc {
    std::string_view name;
    std::string_view unit;
    std::vector<double> State::*member;
};

using spike_list = std::vector<std::uint32_t>;  // population-local indices of neurons that fired

// Everything one update call sees besides the model's own state.
struct update_args {
    std::size_t begin = 0;  // population-local range [begin, end)
    std::size_t end = 0;
    std::int64_t step = 0;  // the step being computed: from t = step*dt to (step+1)*dt
    // inputs[r][i - begin]: summed weight arriving at receptor r of local neuron i (in [begin, end))
    // at the end of this step. The model consumes them: it sets inputs[r][0 .. end-begin) to 0
    // (the engine relies on the buffer being zero between uses).
    std::span<double* const> inputs;
    double i_ext = 0.0;  // [pA] external current into every neuron of the population (DC stimuli)
    // For models that draw random numbers (sources): counter-based streams keyed by gid.
    std::uint64_t seed = 0;
    std::uint32_t population_index = 0;
    std::uint32_t first_gid = 0;
    double dt_ms = 0.1;
};

// The threshold/reset step shared by integrate-and-fire models: every neuron with v >= v_th
// spikes, is reset to v_reset and made refractory for `refractory_steps`. Spikes are rare (a
// neuron at 10 Hz crosses in ~0.1 % of steps), so blocks of neurons are first tested with a
// vectorizable any-reduction and only blocks with a crossing are scanned one by one.
SF_HOT_KERNEL inline void reset_crossings(double* __restrict v, std::int32_t* __restrict refractory, std::size_t begin,
                                          std::size_t end, double v_th, double v_reset, std::int32_t refractory_steps,
                                          spike_list& spikes) {
    constexpr std::size_t block = 32;
    for (std::size_t b = begin; b < end; b += block) {
        const std::size_t e = b + block < end ? b + block : end;
        int crossed = 0;  // an int (not bool) reduction vectorizes
        if (e - b == block) {
            for (std::size_t i = 0; i < block; ++i) crossed |= v[b + i] >= v_th;
        } else {
            for (std::size_t i = b; i < e; ++i) crossed |= v[i] >= v_th;
        }
        if (!crossed) continue;
        for (std::size_t i = b; i < e; ++i) {
            if (v[i] >= v_th) {
                v[i] = v_reset;
                refractory[i] = refractory_steps;
                spikes.push_back(static_cast<std::uint32_t>(i));
            }
        }
    }
}

}  // namespace sf::sim
