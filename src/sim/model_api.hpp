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
    // inputs[r][i]: summed weight arriving at receptor r of local neuron i at the end of this step.
    std::span<const double* const> inputs;
    const double* i_ext = nullptr;  // [pA] external current (DC stimuli) per local neuron
    // For models that draw random numbers (sources): counter-based streams keyed by gid.
    std::uint64_t seed = 0;
    std::uint32_t population_index = 0;
    std::uint32_t first_gid = 0;
    double dt_ms = 0.1;
};

}  // namespace sf::sim
