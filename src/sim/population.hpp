// A population of one model: structure-of-arrays state, parameters resolved by name, and the
// one virtual call per population per step that the engine makes (never one per neuron).
#pragma once

#include "core/error.hpp"
#include "sim/distribution.hpp"
#include "sim/model_api.hpp"
#include "sim/network_spec.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

namespace sf::sim {

class population_base {
public:
    virtual ~population_base() = default;
    virtual std::string_view model_name() const = 0;
    virtual std::size_t size() const = 0;
    virtual std::span<const std::string_view> receptors() const = 0;
    virtual bool conductance_based() const = 0;
    // Advances neurons [args.begin, args.end) by one step and appends the local ids that fired.
    virtual void update(const update_args& args, spike_list& spikes) = 0;
    // Recordable state by name (nullptr when the model has no such field) and its unit.
    virtual const std::vector<double>* field(std::string_view name) const = 0;
    virtual std::string_view field_unit(std::string_view name) const = 0;
    virtual std::vector<std::string_view> field_names() const = 0;
    // Mutable access for initial values (only while building).
    virtual std::vector<double>* mutable_field(std::string_view name) = 0;
    // Model parameters in effect, by name (for reports and config dumps).
    virtual std::vector<std::pair<std::string_view, double>> parameters() const = 0;
    // Between runs: new values for some parameters (the others keep theirs), validated like the
    // spec's; throws core::config_error naming `where`.
    virtual void set_parameters(const std::string& where, const std::map<std::string, double>& values, double dt_ms) = 0;
    // Between runs, for models with spike times (spike_source_array): new lists, one per neuron
    // (missing ones empty); times at or before the current step are never emitted.
    virtual void set_spike_times(const std::string& where, const std::vector<std::vector<double>>& times_ms,
                                 double dt_ms) = 0;

    int receptor_index(std::string_view receptor) const {
        auto names = receptors();
        for (std::size_t r = 0; r < names.size(); ++r)
            if (names[r] == receptor) return static_cast<int>(r);
        return -1;
    }
};

// Resolves a model's parameters from a name->value map on top of `p` (default: the model's
// defaults): unknown names are errors.
template <class Model>
typename Model::params resolve_params(const std::string& where, const std::map<std::string, double>& values,
                                      typename Model::params p = {}) {
    for (const auto& [key, value] : values) {
        bool found = false;
        for (const auto& d : Model::param_table) {
            if (d.name == key) {
                p.*(d.member) = value;
                found = true;
            }
        }
        if (!found) {
            std::string known;
            for (const auto& d : Model::param_table) known += fmt::format("{}{}", known.empty() ? "" : ", ", d.name);
            throw core::config_error(fmt::format("{}.{}: unknown parameter of model {} (known: {})", where, key,
                                                 Model::name, known));
        }
    }
    return p;
}

template <class Model>
class population final : public population_base {
public:
    population(const std::string& where, const population_spec& spec, double dt_ms)
        : params_(resolve_params<Model>(where, spec.params)) {
        try {
            Model::validate(params_);
            propagators_ = Model::propagators::make(params_, dt_ms);
        } catch (const core::config_error& e) {
            throw core::config_error(fmt::format("{}: {}", where, e.what()));
        }
        state_.resize(spec.size, params_);
        // Models with per-neuron configuration beyond parameters (e.g. spike times) read the spec.
        if constexpr (requires { Model::configure(state_, spec, dt_ms, where); }) Model::configure(state_, spec, dt_ms, where);
    }

    std::string_view model_name() const override { return Model::name; }
    std::size_t size() const override { return size_of(state_); }
    std::span<const std::string_view> receptors() const override { return Model::receptors; }
    bool conductance_based() const override { return Model::conductance_based; }

    void update(const update_args& args, spike_list& spikes) override {
        Model::update(propagators_, state_, args, spikes);
    }

    const std::vector<double>* field(std::string_view name) const override {
        for (const auto& f : Model::field_table)
            if (f.name == name) return &(state_.*(f.member));
        return nullptr;
    }
    std::vector<double>* mutable_field(std::string_view name) override {
        for (const auto& f : Model::field_table)
            if (f.name == name) return &(state_.*(f.member));
        return nullptr;
    }
    std::string_view field_unit(std::string_view name) const override {
        for (const auto& f : Model::field_table)
            if (f.name == name) return f.unit;
        return {};
    }
    std::vector<std::string_view> field_names() const override {
        std::vector<std::string_view> names;
        for (const auto& f : Model::field_table) names.push_back(f.name);
        return names;
    }
    std::vector<std::pair<std::string_view, double>> parameters() const override {
        std::vector<std::pair<std::string_view, double>> out;
        for (const auto& d : Model::param_table) out.emplace_back(d.name, params_.*(d.member));
        return out;
    }

    void set_parameters(const std::string& where, const std::map<std::string, double>& values, double dt_ms) override {
        const auto p = resolve_params<Model>(where, values, params_);
        try {
            Model::validate(p);
            propagators_ = Model::propagators::make(p, dt_ms);
        } catch (const core::config_error& e) {
            throw core::config_error(fmt::format("{}: {}", where, e.what()));
        }
        params_ = p;
    }
    void set_spike_times(const std::string& where, const std::vector<std::vector<double>>& times_ms,
                         double dt_ms) override {
        if constexpr (requires { Model::configure(state_, population_spec{}, dt_ms, where); }) {
            population_spec spec;
            spec.size = static_cast<std::uint32_t>(size());
            spec.spike_times_ms = times_ms;
            typename Model::state fresh;
            fresh.resize(size(), params_);
            Model::configure(fresh, spec, dt_ms, where);  // validates before anything changes
            state_ = std::move(fresh);
        } else {
            throw core::config_error(fmt::format("{}: model {} has no spike times", where, Model::name));
        }
    }

    typename Model::state& state() { return state_; }
    const typename Model::params& params() const { return params_; }

private:
    static std::size_t size_of(const typename Model::state& s) { return s.size(); }
    typename Model::params params_;
    typename Model::propagators propagators_;
    typename Model::state state_;
};

}  // namespace sf::sim
