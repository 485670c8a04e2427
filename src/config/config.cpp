#include "config/config.hpp"

#include "core/error.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace sf::config {

namespace {

// A table being read: knows its key path and file for messages, and which keys were used so
// that unknown keys can be reported.
class table_reader {
public:
    table_reader(const toml::table& table, std::string path, std::string source)
        : table_(table), path_(std::move(path)), source_(std::move(source)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& rule, const toml::node* node = nullptr) const {
        if (!node) node = table_.get(key);
        const auto& where = node ? node->source() : table_.source();
        const std::string line = where.begin.line ? fmt::format(":{}", where.begin.line) : "";
        throw core::config_error(fmt::format("{}{}: {}: {}", source_, line, key_path(key), rule));
    }
    std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    const toml::node* get(const std::string& key) {
        known_.insert(key);
        return table_.get(key);
    }
    double number(const std::string& key, double fallback) {
        const toml::node* n = get(key);
        if (!n) return fallback;
        if (auto v = n->value<double>()) return *v;
        fail(key, "expected a number", n);
    }
    std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
        const toml::node* n = get(key);
        if (!n) return fallback;
        auto v = n->value<std::int64_t>();
        if (!v || !n->is_integer()) fail(key, "expected an integer", n);
        if (*v < lo || *v > hi) fail(key, fmt::format("must be in [{}, {}] (got {})", lo, hi, *v), n);
        return *v;
    }
    std::string text(const std::string& key, const std::string& fallback) {
        const toml::node* n = get(key);
        if (!n) return fallback;
        if (auto v = n->value<std::string>()) return *v;
        fail(key, "expected a string", n);
    }
    bool boolean(const std::string& key, bool fallback) {
        const toml::node* n = get(key);
        if (!n) return fallback;
        if (auto v = n->value<bool>()) return *v;
        fail(key, "expected true or false", n);
    }
    std::vector<std::string> text_list(const std::string& key, const std::vector<std::string>& fallback) {
        const toml::node* n = get(key);
        if (!n) return fallback;
        const toml::array* arr = n->as_array();
        if (!arr) fail(key, "expected an array of strings", n);
        std::vector<std::string> out;
        for (const auto& x : *arr) {
            auto v = x.value<std::string>();
            if (!v) fail(key, "expected an array of strings", &x);
            out.push_back(*v);
        }
        return out;
    }
    std::string required_text(const std::string& key) {
        if (!table_.contains(key)) fail(key, "missing (required)");
        return text(key, "");
    }
    table_reader subtable(const std::string& key) {
        const toml::node* n = get(key);
        if (!n || !n->is_table()) fail(key, "expected a table", n);
        return table_reader(*n->as_table(), key_path(key), source_);
    }
    std::vector<table_reader> table_array(const std::string& key) {
        std::vector<table_reader> out;
        const toml::node* n = get(key);
        if (!n) return out;
        const toml::array* arr = n->as_array();
        if (!arr) fail(key, "expected an array of tables ([[" + key + "]])", n);
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const toml::table* t = (*arr)[i].as_table();
            if (!t) fail(key, "expected an array of tables ([[" + key + "]])", n);
            out.emplace_back(*t, fmt::format("{}[{}]", key_path(key), i), source_);
        }
        return out;
    }
    // Unknown keys are errors (DESIGN.md §4): a typo must not silently fall back to a default.
    void reject_unknown() const {
        for (auto&& [key, node] : table_) {
            const std::string k(key.str());
            if (!known_.count(k)) fail(k, "unknown key", &node);
        }
    }
    const toml::table& table() const { return table_; }
    const std::string& source() const { return source_; }

private:
    const toml::table& table_;
    std::string path_;
    std::string source_;
    std::set<std::string> known_;
};

// A number or { dist = "uniform", low, high } / { dist = "normal", mean, sd, low, high }.
sim::distribution read_distribution(table_reader& parent, const std::string& key, sim::distribution fallback) {
    const toml::node* n = parent.get(key);
    if (!n) return fallback;
    if (auto v = n->value<double>()) return sim::distribution::constant(*v);
    if (!n->is_table()) parent.fail(key, "expected a number or a distribution table { dist = ... }", n);
    table_reader t(*n->as_table(), parent.key_path(key), parent.source());
    const std::string dist = t.text("dist", "");
    sim::distribution d;
    const double inf = std::numeric_limits<double>::infinity();
    if (dist == "uniform") {
        d = sim::distribution::uniform(t.number("low", 0), t.number("high", 0));
        if (!t.table().contains("low") || !t.table().contains("high")) t.fail("low", "uniform needs low and high");
    } else if (dist == "normal") {
        d = sim::distribution::normal(t.number("mean", 0), t.number("sd", 0), t.number("low", -inf), t.number("high", inf));
    } else if (dist == "constant") {
        d = sim::distribution::constant(t.number("value", 0));
    } else {
        t.fail("dist", fmt::format("must be 'constant', 'uniform' or 'normal' (got '{}')", dist));
    }
    t.reject_unknown();
    d.validate(parent.key_path(key));
    return d;
}

sim::connector_spec read_connector(table_reader& parent) {
    table_reader t = parent.subtable("connector");
    sim::connector_spec c;
    using rule = sim::connector_spec::rule;
    const std::string name = t.text("rule", "");
    if (name == "fixed_probability") {
        c.type = rule::fixed_probability;
        c.p = t.number("p", -1);
        if (!(c.p >= 0 && c.p <= 1)) t.fail("p", fmt::format("must be in [0, 1] (got {})", c.p));
    } else if (name == "fixed_indegree") {
        c.type = rule::fixed_indegree;
        c.n = static_cast<std::uint64_t>(t.integer("n", 0, 0, 0xFFFFFFFFll));
    } else if (name == "fixed_total_number") {
        c.type = rule::fixed_total_number;
        c.n = static_cast<std::uint64_t>(t.integer("n", 0, 0, std::numeric_limits<std::int64_t>::max()));
    } else if (name == "one_to_one") {
        c.type = rule::one_to_one;
    } else if (name == "all_to_all") {
        c.type = rule::all_to_all;
    } else {
        t.fail("rule", fmt::format("must be one of all_to_all, one_to_one, fixed_probability, fixed_indegree, "
                                   "fixed_total_number (got '{}')", name));
    }
    c.autapses = t.boolean("autapses", c.type == rule::one_to_one);
    c.multapses = t.boolean("multapses", c.type == rule::fixed_total_number);
    t.reject_unknown();
    return c;
}

sim::population_spec read_population(table_reader& t) {
    sim::population_spec p;
    p.name = t.required_text("name");
    p.model = t.required_text("model");
    p.size = static_cast<std::uint32_t>(t.integer("n", 0, 1, 0xFFFFFFFFll));
    if (!t.table().contains("n")) t.fail("n", "missing (required)");
    p.record_spikes = t.boolean("record_spikes", true);
    if (t.table().contains("params")) {
        table_reader params = t.subtable("params");
        for (auto&& [key, node] : params.table()) {
            const std::string k(key.str());
            p.params[k] = params.number(k, 0);
        }
    }
    if (t.table().contains("initial")) {
        table_reader initial = t.subtable("initial");
        for (auto&& [key, node] : initial.table()) {
            const std::string k(key.str());
            p.initial[k] = read_distribution(initial, k, {});
        }
    }
    if (const toml::node* n = t.get("spike_times_ms")) {
        const toml::array* lists = n->as_array();
        if (!lists) t.fail("spike_times_ms", "expected an array of arrays of times [ms]", n);
        for (const auto& list : *lists) {
            const toml::array* times = list.as_array();
            if (!times) t.fail("spike_times_ms", "expected an array of arrays of times [ms]", &list);
            std::vector<double> v;
            for (const auto& x : *times) {
                auto value = x.value<double>();
                if (!value) t.fail("spike_times_ms", "times must be numbers [ms]", &x);
                v.push_back(*value);
            }
            p.spike_times_ms.push_back(std::move(v));
        }
    }
    t.reject_unknown();
    return p;
}

sim::projection_spec read_projection(table_reader& t) {
    sim::projection_spec p;
    p.source = t.required_text("source");
    p.target = t.required_text("target");
    p.receptor = t.text("receptor", "excitatory");
    p.connector = read_connector(t);
    if (!t.table().contains("weight")) t.fail("weight", "missing (required)");
    p.weight = read_distribution(t, "weight", {});
    p.delay_ms = read_distribution(t, "delay_ms", sim::distribution::constant(1.0));
    t.reject_unknown();
    return p;
}

sim::stimulus_spec read_stimulus(table_reader& t) {
    sim::stimulus_spec s;
    const std::string type = t.required_text("type");
    if (type == "poisson") {
        s.type = sim::stimulus_spec::kind::poisson;
        s.receptor = t.text("receptor", "excitatory");
        s.rate_hz = t.number("rate_hz", 0);
        s.weight = t.number("weight", 0);
    } else if (type == "dc") {
        s.type = sim::stimulus_spec::kind::dc;
        s.amplitude_pa = t.number("amplitude_pa", 0);
    } else {
        t.fail("type", fmt::format("must be 'poisson' or 'dc' (got '{}')", type));
    }
    s.target = t.required_text("target");
    s.start_ms = t.number("start_ms", 0);
    s.stop_ms = t.number("stop_ms", 1e300);
    t.reject_unknown();
    return s;
}

void read_vogels_abbott(table_reader& t, models::vogels_abbott_params& v) {
    v.variant = t.text("variant", v.variant);
    v.n = static_cast<std::uint32_t>(t.integer("n", v.n, 2, 0xFFFFFFFFll));
    v.exc_fraction = t.number("exc_fraction", v.exc_fraction);
    v.pconn = t.number("pconn", v.pconn);
    v.delay_ms = t.number("delay_ms", v.delay_ms);
    v.stimulus = t.text("stimulus", v.stimulus);
    v.drive_rate_hz = t.number("drive_rate_hz", v.drive_rate_hz);
    v.drive_ms = t.number("drive_ms", v.drive_ms);
    v.kick_sources = static_cast<std::uint32_t>(t.integer("kick_sources", v.kick_sources, 1, 0xFFFFFFFFll));
    v.kick_rate_hz = t.number("kick_rate_hz", v.kick_rate_hz);
    v.kick_ms = t.number("kick_ms", v.kick_ms);
    v.kick_pconn = t.number("kick_pconn", v.kick_pconn);
    v.kick_weight = t.number("kick_weight", v.kick_weight);
}

void read_microcircuit(table_reader& t, models::microcircuit_params& m) {
    const double scale = t.number("scale", 1.0);
    m.n_scaling = t.number("n_scaling", scale);
    m.k_scaling = t.number("k_scaling", scale);
    m.poisson_input = t.boolean("poisson_input", m.poisson_input);
    m.bg_rate_hz = t.number("bg_rate_hz", m.bg_rate_hz);
    m.psp_mv = t.number("psp_mv", m.psp_mv);
    m.psp_rel_sd = t.number("psp_rel_sd", m.psp_rel_sd);
    m.g = t.number("g", m.g);
    m.delay_exc_ms = t.number("delay_exc_ms", m.delay_exc_ms);
    m.delay_inh_ms = t.number("delay_inh_ms", m.delay_inh_ms);
    m.delay_rel_sd = t.number("delay_rel_sd", m.delay_rel_sd);
    m.v0 = t.text("v0", m.v0);
}

void read_multi_area(table_reader& t, models::multi_area_params& m) {
    m.scale = t.number("scale", m.scale);
    m.cc_weights_factor = t.number("cc_weights_factor", m.cc_weights_factor);
    m.cc_weights_i_factor = t.number("cc_weights_I_factor", m.cc_weights_i_factor);
    m.areas_simulated = t.text_list("areas_simulated", m.areas_simulated);
    m.replace_non_simulated_areas = t.text("replace_non_simulated_areas", m.replace_non_simulated_areas);
    m.data_dir = t.text("data_dir", m.data_dir);
}

void read_model(table_reader t, simulation_config& c) {
    const std::string name = t.required_text("name");
    if (name == "vogels-abbott") read_vogels_abbott(t, c.vogels_abbott);
    else if (name == "microcircuit") read_microcircuit(t, c.microcircuit);
    else if (name == "multi-area") read_multi_area(t, c.multi_area);
    else t.fail("name", fmt::format("unknown built-in model '{}' (known: vogels-abbott, microcircuit, multi-area)", name));
    c.model = name;
    t.reject_unknown();
}

void read_output(table_reader t, simulation_config& c) {
    c.output.dir = t.text("dir", c.output.dir);
    if (const toml::node* n = t.get("formats")) {
        const toml::array* arr = n->as_array();
        if (!arr) t.fail("formats", "expected an array of strings", n);
        for (const auto& f : *arr) {
            auto s = f.value<std::string>();
            if (!s || (*s != "sonata" && *s != "nwb")) t.fail("formats", "each format must be \"sonata\" or \"nwb\"", &f);
            if (*s == "nwb") c.output.nwb = true;
        }
    }
    t.reject_unknown();
}

void read_simulation(table_reader t, simulation_config& c) {
    c.run.dt_ms = t.number("dt_ms", c.run.dt_ms);
    c.run.t_stop_ms = t.number("t_stop_ms", c.run.t_stop_ms);
    c.run.seed = static_cast<std::uint64_t>(t.integer("seed", static_cast<std::int64_t>(c.run.seed), 0,
                                                      std::numeric_limits<std::int64_t>::max()));
    c.run.threads = static_cast<int>(t.integer("threads", c.run.threads, 1, 1024));
    t.reject_unknown();
}

void read_record(std::vector<table_reader> records, simulation_config& c) {
    for (auto& t : records) {
        sim::probe_spec p;
        p.population = t.required_text("population");
        p.field = t.text("field", "v");
        p.interval_ms = t.number("interval_ms", 0);
        const toml::node* n = t.get("nodes");
        const toml::array* arr = n ? n->as_array() : nullptr;
        if (!arr) t.fail("nodes", "expected an array of neuron indices", n);
        for (const auto& x : *arr) {
            auto v = x.value<std::int64_t>();
            if (!v || *v < 0 || *v > 0xFFFFFFFFll) t.fail("nodes", "indices must be integers >= 0", &x);
            p.nodes.push_back(static_cast<std::uint32_t>(*v));
        }
        t.reject_unknown();
        c.run.probes.push_back(p);
    }
}

}  // namespace

simulation_config parse_text(const std::string& text, const std::string& source) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        throw core::config_error(fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
    }
    simulation_config c;
    table_reader t(root, "", source);
    if (root.contains("model")) read_model(t.subtable("model"), c);
    if (root.contains("simulation")) read_simulation(t.subtable("simulation"), c);
    if (root.contains("output")) read_output(t.subtable("output"), c);
    read_record(t.table_array("record"), c);
    for (auto& p : t.table_array("population")) c.network.populations.push_back(read_population(p));
    for (auto& p : t.table_array("projection")) c.network.projections.push_back(read_projection(p));
    for (auto& s : t.table_array("stimulus")) c.network.stimuli.push_back(read_stimulus(s));
    t.reject_unknown();
    if (!c.model && c.network.populations.empty())
        throw core::config_error(fmt::format("{}: no network: give [model] or at least one [[population]]", source));
    return c;
}

simulation_config parse_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::config_error(fmt::format("{}: cannot read the config file", path));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_text(text.str(), path);
}

void expand_model(simulation_config& c) {
    if (!c.model) return;
    sim::network_spec built;
    if (*c.model == "microcircuit") {
        c.microcircuit.dt_ms = c.run.dt_ms;
        built = models::build_microcircuit(c.microcircuit);
    } else if (*c.model == "multi-area") {
        c.multi_area.dt_ms = c.run.dt_ms;
        built = models::build_multi_area(c.multi_area);
    } else {
        built = models::build_vogels_abbott(c.vogels_abbott);
    }
    // Populations, projections and stimuli written in the file come after the model's own.
    for (auto& p : c.network.populations) built.populations.push_back(std::move(p));
    for (auto& p : c.network.projections) built.projections.push_back(std::move(p));
    for (auto& s : c.network.stimuli) built.stimuli.push_back(std::move(s));
    c.network = std::move(built);
    c.model.reset();
}

namespace {

// Shortest text that reads back to the same double, always with a decimal point or exponent
// so that TOML reads it as a float.
std::string number_text(double x) {
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    std::string s = fmt::format("{}", x);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "\"";
}

std::string distribution_text(const sim::distribution& d) {
    switch (d.type) {
        case sim::distribution::kind::constant: return number_text(d.value);
        case sim::distribution::kind::uniform:
            return fmt::format("{{ dist = \"uniform\", low = {}, high = {} }}", number_text(d.low), number_text(d.high));
        case sim::distribution::kind::normal:
            return fmt::format("{{ dist = \"normal\", mean = {}, sd = {}, low = {}, high = {} }}", number_text(d.mean),
                               number_text(d.sd), number_text(d.low), number_text(d.high));
    }
    return {};
}

const char* rule_name(sim::connector_spec::rule r) {
    using rule = sim::connector_spec::rule;
    switch (r) {
        case rule::all_to_all: return "all_to_all";
        case rule::one_to_one: return "one_to_one";
        case rule::fixed_probability: return "fixed_probability";
        case rule::fixed_indegree: return "fixed_indegree";
        case rule::fixed_total_number: return "fixed_total_number";
        case rule::from_list: return "from_list";
    }
    return "";
}

void write_population(std::string& out, const sim::population_spec& p) {
    out += fmt::format("\n[[population]]\nname = {}\nmodel = {}\nn = {}\n", quoted(p.name), quoted(p.model), p.size);
    if (!p.record_spikes) out += "record_spikes = false\n";
    if (!p.params.empty()) {
        out += "params = { ";
        bool first = true;
        for (const auto& [k, v] : p.params) {
            out += fmt::format("{}{} = {}", first ? "" : ", ", k, number_text(v));
            first = false;
        }
        out += " }\n";
    }
    for (const auto& [k, d] : p.initial) out += fmt::format("initial.{} = {}\n", k, distribution_text(d));
    if (!p.spike_times_ms.empty()) {
        out += "spike_times_ms = [\n";
        for (const auto& list : p.spike_times_ms) {
            out += "  [";
            for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + number_text(list[i]);
            out += "],\n";
        }
        out += "]\n";
    }
}

void write_projection(std::string& out, const sim::projection_spec& p) {
    using rule = sim::connector_spec::rule;
    // Explicit synapse lists come from the Python API; a config lists rules, not synapses.
    if (p.connector.type == rule::from_list)
        throw core::config_error(fmt::format("projection {} -> {}: from_list synapses cannot be written as a config",
                                             p.source, p.target));
    out += fmt::format("\n[[projection]]\nsource = {}\ntarget = {}\nreceptor = {}\n", quoted(p.source), quoted(p.target),
                       quoted(p.receptor));
    out += fmt::format("connector = {{ rule = \"{}\"", rule_name(p.connector.type));
    if (p.connector.type == rule::fixed_probability) out += fmt::format(", p = {}", number_text(p.connector.p));
    if (p.connector.type == rule::fixed_indegree || p.connector.type == rule::fixed_total_number)
        out += fmt::format(", n = {}", p.connector.n);
    out += fmt::format(", autapses = {}, multapses = {} }}\n", p.connector.autapses, p.connector.multapses);
    out += fmt::format("weight = {}\ndelay_ms = {}\n", distribution_text(p.weight), distribution_text(p.delay_ms));
}

void write_stimulus(std::string& out, const sim::stimulus_spec& s) {
    if (s.type == sim::stimulus_spec::kind::poisson)
        out += fmt::format("\n[[stimulus]]\ntype = \"poisson\"\ntarget = {}\nreceptor = {}\nrate_hz = {}\nweight = {}\n",
                           quoted(s.target), quoted(s.receptor), number_text(s.rate_hz), number_text(s.weight));
    else
        out += fmt::format("\n[[stimulus]]\ntype = \"dc\"\ntarget = {}\namplitude_pa = {}\n", quoted(s.target),
                           number_text(s.amplitude_pa));
    out += fmt::format("start_ms = {}\n", number_text(s.start_ms));
    if (s.stop_ms < 1e299) out += fmt::format("stop_ms = {}\n", number_text(s.stop_ms));
}

}  // namespace

std::string to_toml(const simulation_config& c) {
    std::string out = "# spikeforge simulation config (units: ms, mV, pA, nS, pF, Hz). See docs/config.md.\n";
    out += fmt::format("\n[simulation]\ndt_ms = {}\nt_stop_ms = {}\nseed = {}\nthreads = {}\n", number_text(c.run.dt_ms),
                       number_text(c.run.t_stop_ms), c.run.seed, c.run.threads);
    out += fmt::format("\n[output]\ndir = {}\nformats = [\"sonata\"{}]\n", quoted(c.output.dir), c.output.nwb ? ", \"nwb\"" : "");
    for (const auto& p : c.run.probes) {
        out += fmt::format("\n[[record]]\npopulation = {}\nfield = {}\nnodes = [", quoted(p.population), quoted(p.field));
        for (std::size_t i = 0; i < p.nodes.size(); ++i) out += fmt::format("{}{}", i ? ", " : "", p.nodes[i]);
        out += "]\n";
        if (p.interval_ms > 0) out += fmt::format("interval_ms = {}\n", number_text(p.interval_ms));
    }
    for (const auto& p : c.network.populations) write_population(out, p);
    for (const auto& p : c.network.projections) write_projection(out, p);
    for (const auto& s : c.network.stimuli) write_stimulus(out, s);
    return out;
}

sim::probe_spec parse_record_option(const std::string& text, const std::string& field) {
    auto fail = [&](const std::string& why) {
        throw core::config_error(fmt::format("--record-v {}: {} (expected POP:IDS[@INTERVAL_MS], e.g. exc:0,1,5-9)", text, why));
    };
    sim::probe_spec p;
    p.field = field;
    std::string body = text;
    if (auto at = body.find('@'); at != std::string::npos) {
        try {
            std::size_t used = 0;
            p.interval_ms = std::stod(body.substr(at + 1), &used);
            if (used != body.size() - at - 1 || !(p.interval_ms > 0)) fail("bad interval");
        } catch (const std::logic_error&) {
            fail("bad interval");
        }
        body = body.substr(0, at);
    }
    const auto colon = body.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == body.size()) fail("missing population or ids");
    p.population = body.substr(0, colon);
    std::stringstream ids(body.substr(colon + 1));
    std::string item;
    auto to_index = [&](const std::string& s) -> std::uint32_t {
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9) fail("bad neuron index '" + s + "'");
        return static_cast<std::uint32_t>(std::stoul(s));
    };
    while (std::getline(ids, item, ',')) {
        if (auto dash = item.find('-'); dash != std::string::npos) {
            const auto a = to_index(item.substr(0, dash)), b = to_index(item.substr(dash + 1));
            if (b < a || b - a > 1000000) fail("bad range '" + item + "'");
            for (auto i = a; i <= b; ++i) p.nodes.push_back(i);
        } else {
            p.nodes.push_back(to_index(item));
        }
    }
    if (p.nodes.empty()) fail("no neuron ids");
    return p;
}

}  // namespace sf::config
