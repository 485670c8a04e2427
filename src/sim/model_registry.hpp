// Model name -> population factory. A registry is an ordinary object (no global state): the
// built-in one comes from sf::models::builtin_registry(), tests may build their own.
#pragma once

#include "core/error.hpp"
#include "sim/population.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace sf::sim {

struct model_info {
    std::string name;
    std::vector<std::pair<std::string, std::string>> params;  // (name, unit), defaults below
    std::vector<double> defaults;
    std::vector<std::string> receptors;
    std::vector<std::pair<std::string, std::string>> fields;  // recordable (name, unit)
    bool conductance_based = false;
};

class model_registry {
public:
    using factory = std::function<std::unique_ptr<population_base>(const std::string& where,
                                                                  const population_spec&, double dt_ms)>;

    template <class Model>
    void add() {
        model_info info;
        info.name = std::string(Model::name);
        typename Model::params defaults{};
        for (const auto& d : Model::param_table) {
            info.params.emplace_back(std::string(d.name), std::string(d.unit));
            info.defaults.push_back(defaults.*(d.member));
        }
        for (auto r : Model::receptors) info.receptors.emplace_back(r);
        for (const auto& f : Model::field_table) info.fields.emplace_back(std::string(f.name), std::string(f.unit));
        info.conductance_based = Model::conductance_based;
        const std::string key = info.name;  // the right-hand side below moves info first
        entries_[key] = {std::move(info), [](const std::string& where, const population_spec& spec, double dt) {
                                   return std::unique_ptr<population_base>(new population<Model>(where, spec, dt));
                               }};
    }

    std::unique_ptr<population_base> create(const std::string& where, const population_spec& spec, double dt_ms) const {
        auto it = entries_.find(spec.model);
        if (it == entries_.end())
            throw core::config_error(fmt::format("{}.model: unknown model '{}' (known: {})", where, spec.model, known()));
        return it->second.make(where, spec, dt_ms);
    }
    const model_info* info(const std::string& name) const {
        auto it = entries_.find(name);
        return it == entries_.end() ? nullptr : &it->second.info;
    }
    std::string known() const {
        std::string names;
        for (const auto& [name, entry] : entries_) names += (names.empty() ? "" : ", ") + name;
        return names;
    }

private:
    struct entry {
        model_info info;
        factory make;
    };
    std::map<std::string, entry> entries_;
};

}  // namespace sf::sim
