// Networks, simulations, configs and models for Python.
//
// A network is described through `network_builder` (one call per population, projection,
// stimulus) or read from a config (TOML, docs/config.md); `simulation` lowers it once and then
// runs in C++ with the GIL released. Spikes and sampled state stream into in-memory sinks and
// come back as numpy arrays. Units are the engine's: ms, mV, pA, nS, pF, Hz.
#include "bindings.hpp"

#include "config/config.hpp"
#include "core/error.hpp"
#include "core/recording.hpp"
#include "models/builtin_registry.hpp"
#include "sim/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace py = pybind11;

namespace sf::python {

namespace {

// Spikes of every population, kept in memory in arrival order (sorted by step within a population).
class memory_spike_sink final : public core::spike_sink {
public:
    void begin(const std::vector<core::population_info>& populations, double dt_ms) override {
        dt_ms_ = dt_ms;
        steps_.assign(populations.size(), {});
        nodes_.assign(populations.size(), {});
    }
    void write_spikes(std::size_t population, std::span<const std::int64_t> steps,
                      std::span<const std::uint32_t> nodes) override {
        steps_[population].insert(steps_[population].end(), steps.begin(), steps.end());
        nodes_[population].insert(nodes_[population].end(), nodes.begin(), nodes.end());
    }
    void finish() override {}

    bool started() const { return !steps_.empty(); }
    // Spike times [ms] and population-local ids of population p, sorted by (time, id).
    std::pair<std::vector<double>, std::vector<std::uint32_t>> spikes(std::size_t p) const {
        if (p >= steps_.size()) return {};
        std::vector<double> t(steps_[p].size());
        for (std::size_t k = 0; k < t.size(); ++k) t[k] = static_cast<double>(steps_[p][k]) * dt_ms_;
        return {std::move(t), nodes_[p]};
    }
    void clear() {
        for (std::size_t p = 0; p < steps_.size(); ++p) clear(p);
    }
    void clear(std::size_t p) {  // frees the memory too: long runs read out in chunks stay bounded
        std::vector<std::int64_t>().swap(steps_[p]);
        std::vector<std::uint32_t>().swap(nodes_[p]);
    }

private:
    double dt_ms_ = 0.1;
    std::vector<std::vector<std::int64_t>> steps_;
    std::vector<std::vector<std::uint32_t>> nodes_;
};

// Sampled state per probe: sample steps and rows (samples x nodes).
class memory_state_sink final : public core::state_sink {
public:
    void begin(const std::vector<core::state_probe>& probes, double dt_ms) override {
        dt_ms_ = dt_ms;
        probes_ = probes;
        steps_.assign(probes.size(), {});
        rows_.assign(probes.size(), {});
    }
    void write_samples(std::size_t probe, std::int64_t first_step, std::size_t n_samples,
                       std::span<const double> rows) override {
        const auto interval = probes_[probe].interval_steps;
        for (std::size_t k = 0; k < n_samples; ++k) steps_[probe].push_back(first_step + static_cast<std::int64_t>(k) * interval);
        rows_[probe].insert(rows_[probe].end(), rows.begin(), rows.end());
    }
    void finish() override {}

    std::size_t size() const { return probes_.size(); }
    const core::state_probe& probe(std::size_t k) const { return probes_.at(k); }
    // (times [ms], values [samples x nodes], field unit)
    py::tuple samples(std::size_t k) const {
        const auto& p = probes_.at(k);
        std::vector<double> t(steps_[k].size());
        for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<double>(steps_[k][i]) * dt_ms_;
        py::array_t<double> values({static_cast<py::ssize_t>(steps_[k].size()), static_cast<py::ssize_t>(p.nodes.size())});
        std::copy(rows_[k].begin(), rows_[k].end(), values.mutable_data());
        return py::make_tuple(to_numpy(std::move(t)), values, p.unit);
    }
    void clear() {
        for (auto& s : steps_) s.clear();
        for (auto& r : rows_) r.clear();
    }
    // Frees probe k's samples taken before `step` (the one at `step` itself, the value at the
    // moment of clearing, starts what is recorded next, as PyNN's segments expect).
    void clear_before(std::size_t k, std::int64_t step) {
        const auto& s = steps_[k];
        const auto keep = static_cast<std::size_t>(std::lower_bound(s.begin(), s.end(), step) - s.begin());
        const std::size_t width = probes_[k].nodes.size();
        std::vector<std::int64_t>(s.begin() + static_cast<std::ptrdiff_t>(keep), s.end()).swap(steps_[k]);
        std::vector<double>(rows_[k].begin() + static_cast<std::ptrdiff_t>(keep * width), rows_[k].end()).swap(rows_[k]);
    }

private:
    double dt_ms_ = 0.1;
    std::vector<core::state_probe> probes_;
    std::vector<std::vector<std::int64_t>> steps_;
    std::vector<std::vector<double>> rows_;
};

sim::distribution to_distribution(const py::handle& value, const std::string& where) {
    if (py::isinstance<sim::distribution>(value)) return value.cast<sim::distribution>();
    // Any number, numpy scalars included (but not a bool or a string).
    if (PyNumber_Check(value.ptr()) && !PyBool_Check(value.ptr()) && !py::isinstance<py::array>(value))
        return sim::distribution::constant(py::float_(py::reinterpret_borrow<py::object>(value)).cast<double>());
    throw core::config_error(fmt::format("{}: expected a number or a Distribution", where));
}

std::vector<std::uint32_t> to_indices(const py::handle& values, std::uint64_t limit, const std::string& where) {
    // Through double, so that a fractional index is an error instead of being truncated.
    const auto raw = to_vector<double>(values);
    std::vector<std::uint32_t> out(raw.size());
    for (std::size_t k = 0; k < raw.size(); ++k) {
        if (raw[k] != std::floor(raw[k]))
            throw core::config_error(fmt::format("{}[{}]: index {} is not a whole number", where, k, raw[k]));
        if (!(raw[k] >= 0) || raw[k] >= static_cast<double>(limit))
            throw core::config_error(fmt::format("{}[{}]: index {} out of range [0, {})", where, k, raw[k], limit));
        out[k] = static_cast<std::uint32_t>(raw[k]);
    }
    return out;
}

sim::connector_spec::rule rule_of(const std::string& name) {
    using rule = sim::connector_spec::rule;
    static const std::map<std::string, rule> rules{{"all_to_all", rule::all_to_all},
                                                   {"one_to_one", rule::one_to_one},
                                                   {"fixed_probability", rule::fixed_probability},
                                                   {"fixed_indegree", rule::fixed_indegree},
                                                   {"fixed_total_number", rule::fixed_total_number},
                                                   {"from_list", rule::from_list}};
    auto it = rules.find(name);
    if (it == rules.end())
        throw core::config_error(fmt::format("connector.rule: must be one of all_to_all, one_to_one, fixed_probability, "
                                             "fixed_indegree, fixed_total_number, from_list (got '{}')", name));
    return it->second;
}

// The network description, filled one element at a time (the Python package wraps it).
struct network_builder {
    config::simulation_config config;

    std::uint32_t size_of(const std::string& population, const std::string& where) const {
        const auto* p = config.network.find_population(population);
        if (p == nullptr) throw core::config_error(fmt::format("{}: no population named '{}'", where, population));
        return p->size;
    }

    void add_population(const std::string& name, const std::string& model, std::uint32_t size, const py::dict& params,
                        const py::dict& initial, const py::object& spike_times_ms, bool record_spikes) {
        sim::population_spec p;
        p.name = name;
        p.model = model;
        p.size = size;
        p.record_spikes = record_spikes;
        for (auto [key, value] : params) p.params[key.cast<std::string>()] = value.cast<double>();
        for (auto [key, value] : initial) {
            const auto field = key.cast<std::string>();
            const std::string where = fmt::format("population.{}.initial.{}", name, field);
            if (py::isinstance<py::array>(value) || py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value))
                p.initial_values[field] = to_vector<double>(value);
            else
                p.initial[field] = to_distribution(value, where);
        }
        if (!spike_times_ms.is_none())
            for (auto train : spike_times_ms) p.spike_times_ms.push_back(to_vector<double>(train));
        config.network.populations.push_back(std::move(p));
    }

    void add_projection(const std::string& source, const std::string& target, const std::string& receptor,
                        const std::string& rule, double p, std::uint64_t n, bool autapses, bool multapses,
                        const py::object& weight, const py::object& delay_ms, const py::object& sources,
                        const py::object& targets, const py::object& weights, const py::object& delays_ms) {
        sim::projection_spec proj;
        const std::string where = fmt::format("projection[{}] ({} -> {})", config.network.projections.size(), source, target);
        proj.source = source;
        proj.target = target;
        proj.receptor = receptor;
        proj.connector.type = rule_of(rule);
        proj.connector.p = p;
        proj.connector.n = n;
        proj.connector.autapses = autapses;
        proj.connector.multapses = multapses;
        proj.weight = to_distribution(weight, where + ".weight");
        proj.delay_ms = to_distribution(delay_ms, where + ".delay_ms");
        if (proj.connector.type == sim::connector_spec::rule::from_list) {
            if (sources.is_none() || targets.is_none())
                throw core::config_error(fmt::format("{}: from_list needs sources and targets", where));
            proj.synapses.source = to_indices(sources, size_of(source, where + ".source"), where + ".sources");
            proj.synapses.target = to_indices(targets, size_of(target, where + ".target"), where + ".targets");
            if (!weights.is_none()) proj.synapses.weight = to_vector<double>(weights);
            if (!delays_ms.is_none()) proj.synapses.delay_ms = to_vector<double>(delays_ms);
        }
        config.network.projections.push_back(std::move(proj));
    }

    void add_stimulus(const std::string& kind, const std::string& target, const std::string& receptor, double rate_hz,
                      double weight, double amplitude_pa, double start_ms, double stop_ms) {
        sim::stimulus_spec s;
        if (kind == "poisson") s.type = sim::stimulus_spec::kind::poisson;
        else if (kind == "dc") s.type = sim::stimulus_spec::kind::dc;
        else throw core::config_error(fmt::format("stimulus.type: must be poisson or dc (got '{}')", kind));
        s.target = target;
        s.receptor = receptor;
        s.rate_hz = rate_hz;
        s.weight = weight;
        s.amplitude_pa = amplitude_pa;
        s.start_ms = start_ms;
        s.stop_ms = stop_ms;
        config.network.stimuli.push_back(s);
    }

    void add_probe(const std::string& population, const std::string& field, const py::object& nodes, double interval_ms) {
        sim::probe_spec probe;
        probe.population = population;
        probe.field = field;
        probe.nodes = to_indices(nodes, size_of(population, "record." + population), "record.nodes");
        probe.interval_ms = interval_ms;
        config.run.probes.push_back(std::move(probe));
    }
};

// A built network and its in-memory recorders.
class py_simulation {
public:
    explicit py_simulation(const config::simulation_config& c)
        : config_(c), registry_(models::builtin_registry()) {
        sim_ = std::make_unique<sim::simulation>(config_.network, config_.run, registry_);
        sim_->attach_spike_sink(&spikes_);
        sim_->attach_state_sink(&states_);
    }

    void run(double duration_ms) {
        if (!(duration_ms >= 0) || !std::isfinite(duration_ms))
            throw core::config_error(fmt::format("run: duration must be >= 0 ms and finite (got {})", duration_ms));
        py::gil_scoped_release release;
        sim_->run(duration_ms);
    }

    std::size_t population_index(const std::string& name) const {
        const auto pops = sim_->populations();
        for (std::size_t p = 0; p < pops.size(); ++p)
            if (pops[p].name == name) return p;
        throw core::config_error(fmt::format("spikes: no population named '{}'", name));
    }

    py::tuple spikes(const std::string& population) const {
        auto [t, ids] = spikes_.spikes(population_index(population));
        return py::make_tuple(to_numpy(std::move(t)), to_numpy(std::move(ids)));
    }

    py::list recorded() const {
        py::list out;
        for (std::size_t k = 0; k < states_.size(); ++k) {
            const auto& p = states_.probe(k);
            auto [t, values, unit] = states_.samples(k).cast<std::tuple<py::object, py::object, std::string>>();
            py::dict d;
            d["population"] = p.population_name;
            d["field"] = p.field;
            d["unit"] = unit;
            d["nodes"] = to_numpy(std::vector<std::uint32_t>(p.nodes));
            d["times_ms"] = t;
            d["values"] = values;
            out.append(d);
        }
        return out;
    }

    void set_parameters(const std::string& population, const py::dict& values) {
        std::map<std::string, double> v;
        for (auto [key, value] : values) v[key.cast<std::string>()] = value.cast<double>();
        sim_->set_parameters(population, v);
    }

    void set_spike_times(const std::string& population, const py::iterable& trains) {
        std::vector<std::vector<double>> times;
        for (auto train : trains) times.push_back(to_vector<double>(train));
        sim_->set_spike_times(population, times);
    }

    // Everything recorded so far, or only one population's spikes and samples.
    void clear_recordings(const std::optional<std::string>& population) {
        if (!population) {
            spikes_.clear();
            states_.clear();
            return;
        }
        if (spikes_.started()) spikes_.clear(population_index(*population));
        const auto now = static_cast<std::int64_t>(std::llround(sim_->time_ms() / sim_->dt_ms()));
        for (std::size_t k = 0; k < states_.size(); ++k)
            if (states_.probe(k).population_name == *population) states_.clear_before(k, now);
    }

    py::dict connections(std::size_t index) const {
        auto list = sim_->connections(index);
        py::dict d;
        d["source"] = to_numpy(std::move(list.source));
        d["target"] = to_numpy(std::move(list.target));
        d["weight"] = to_numpy(std::move(list.weight));
        d["delay_ms"] = to_numpy(std::move(list.delay_ms));
        return d;
    }

    py::list populations() const {
        py::list out;
        for (const auto& p : sim_->populations()) {
            py::dict d;
            d["name"] = p.name;
            d["model"] = p.model;
            d["size"] = p.size;
            d["first_gid"] = p.first_gid;
            d["spikes"] = p.spikes;
            out.append(d);
        }
        return out;
    }

    std::string config_toml() const { return config::to_toml(config_); }
    const config::simulation_config& config() const { return config_; }
    const sim::simulation& engine() const { return *sim_; }
    sim::simulation& engine_mut() { return *sim_; }

private:
    config::simulation_config config_;
    sim::model_registry registry_;
    memory_spike_sink spikes_;
    memory_state_sink states_;
    std::unique_ptr<sim::simulation> sim_;  // last: destroyed before the sinks it writes to
};

py::dict model_description(const sim::model_info& info) {
    py::dict params;
    for (std::size_t k = 0; k < info.params.size(); ++k)
        params[py::str(info.params[k].first)] = py::make_tuple(info.defaults[k], info.params[k].second);
    py::dict fields;
    for (const auto& [name, unit] : info.fields) fields[py::str(name)] = unit;
    py::dict d;
    d["params"] = params;
    d["receptors"] = info.receptors;
    d["fields"] = fields;
    d["conductance_based"] = info.conductance_based;
    return d;
}

}  // namespace

void bind_sim(py::module_& m) {
    py::class_<sim::distribution>(m, "Distribution", "A value that is constant or drawn per object by the engine's own "
                                                     "counter-based streams (identical for any thread count).")
        .def_static("constant", &sim::distribution::constant, py::arg("value"))
        .def_static("uniform", &sim::distribution::uniform, py::arg("low"), py::arg("high"))
        .def_static("normal", &sim::distribution::normal, py::arg("mean"), py::arg("sd"),
                    py::arg("low") = -std::numeric_limits<double>::infinity(),
                    py::arg("high") = std::numeric_limits<double>::infinity())
        .def("__repr__", [](const sim::distribution& d) { return "Distribution(" + d.describe() + ")"; });

    py::class_<network_builder>(m, "NetworkBuilder")
        .def(py::init<>())
        .def("add_population", &network_builder::add_population, py::arg("name"), py::arg("model"), py::arg("size"),
             py::arg("params"), py::arg("initial"), py::arg("spike_times_ms"), py::arg("record_spikes"))
        .def("add_projection", &network_builder::add_projection, py::arg("source"), py::arg("target"),
             py::arg("receptor"), py::arg("rule"), py::arg("p"), py::arg("n"), py::arg("autapses"),
             py::arg("multapses"), py::arg("weight"), py::arg("delay_ms"), py::arg("sources"), py::arg("targets"),
             py::arg("weights"), py::arg("delays_ms"))
        .def("add_stimulus", &network_builder::add_stimulus, py::arg("kind"), py::arg("target"), py::arg("receptor"),
             py::arg("rate_hz"), py::arg("weight"), py::arg("amplitude_pa"), py::arg("start_ms"), py::arg("stop_ms"))
        .def("add_probe", &network_builder::add_probe, py::arg("population"), py::arg("field"), py::arg("nodes"),
             py::arg("interval_ms"))
        .def_static("from_config_file", [](const std::string& path) {
            network_builder b;
            b.config = config::parse_file(path);
            config::expand_model(b.config);
            return b;
        }, py::arg("path"))
        .def_static("from_config_text", [](const std::string& text, const std::string& source) {
            network_builder b;
            b.config = config::parse_text(text, source);
            config::expand_model(b.config);
            return b;
        }, py::arg("text"), py::arg("source") = "<text>")
        .def_property_readonly("t_stop_ms", [](const network_builder& b) { return b.config.run.t_stop_ms; })
        .def_property_readonly("dt_ms", [](const network_builder& b) { return b.config.run.dt_ms; })
        .def_property_readonly("seed", [](const network_builder& b) { return b.config.run.seed; })
        .def_property_readonly("threads", [](const network_builder& b) { return b.config.run.threads; })
        .def_property_readonly("output_dir", [](const network_builder& b) { return b.config.output.dir; })
        .def("population_names", [](const network_builder& b) {
            std::vector<std::string> names;
            for (const auto& p : b.config.network.populations) names.push_back(p.name);
            return names;
        })
        .def("population_size", [](const network_builder& b, const std::string& name) { return b.size_of(name, "population"); },
             py::arg("name"))
        .def_property_readonly("stimulus_count", [](const network_builder& b) { return b.config.network.stimuli.size(); })
        .def("to_toml", [](const network_builder& b) { return config::to_toml(b.config); });

    py::class_<py_simulation>(m, "Simulation")
        .def(py::init([](const network_builder& b, double dt_ms, double t_stop_ms, std::uint64_t seed, int threads) {
                 auto c = b.config;  // the run settings are this simulation's, the network is not changed
                 c.run.dt_ms = dt_ms;
                 c.run.t_stop_ms = t_stop_ms;
                 c.run.seed = seed;
                 c.run.threads = threads;
                 return std::make_unique<py_simulation>(c);
             }),
             py::arg("network"), py::arg("dt_ms"), py::arg("t_stop_ms"), py::arg("seed"), py::arg("threads"))
        .def("run", &py_simulation::run, py::arg("duration_ms"))
        .def("spikes", &py_simulation::spikes, py::arg("population"))
        .def("recorded", &py_simulation::recorded)
        .def("clear_recordings", &py_simulation::clear_recordings, py::arg("population") = py::none())
        .def("set_parameters", &py_simulation::set_parameters, py::arg("population"), py::arg("values"))
        .def("set_spike_times", &py_simulation::set_spike_times, py::arg("population"), py::arg("times_ms"))
        .def("set_dc_stimulus", [](py_simulation& s, std::size_t index, double amplitude_pa, double start_ms, double stop_ms) {
            s.engine_mut().set_dc_stimulus(index, amplitude_pa, start_ms, stop_ms);
        }, py::arg("index"), py::arg("amplitude_pa"), py::arg("start_ms"), py::arg("stop_ms"))
        .def("connections", &py_simulation::connections, py::arg("projection"))
        .def("populations", &py_simulation::populations)
        .def("config_toml", &py_simulation::config_toml)
        .def_property_readonly("time_ms", [](const py_simulation& s) { return s.engine().time_ms(); })
        .def_property_readonly("dt_ms", [](const py_simulation& s) { return s.engine().dt_ms(); })
        .def_property_readonly("min_delay_ms", [](const py_simulation& s) {
            return static_cast<double>(s.engine().min_delay_steps()) * s.engine().dt_ms();
        })
        .def_property_readonly("threads", [](const py_simulation& s) { return s.engine().threads(); })
        .def_property_readonly("neuron_count", [](const py_simulation& s) { return s.engine().neuron_count(); })
        .def_property_readonly("synapse_count", [](const py_simulation& s) { return s.engine().synapse_count(); })
        .def_property_readonly("events_delivered", [](const py_simulation& s) { return s.engine().events_delivered(); });

    m.def("models", [] {
        const auto registry = models::builtin_registry();
        py::dict out;
        std::string names = registry.known();
        for (std::size_t start = 0; start < names.size();) {
            const auto end = std::min(names.find(", ", start), names.size());
            const std::string name = names.substr(start, end - start);
            out[py::str(name)] = model_description(*registry.info(name));
            start = end + 2;
        }
        return out;
    }, "The registered neuron and source models: params {name: (default, unit)}, receptors, recordable fields.");
}

}  // namespace sf::python
