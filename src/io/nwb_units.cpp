#include "io/nwb_units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/output_common.hpp"

namespace sf::io {

namespace {

constexpr std::string_view nwb_version = "2.5.0";

// The three attributes that make an HDF5 object an NWB / hdmf typed object.
void set_neurodata_type(const h5::object& target, std::string_view name_space, std::string_view type) {
    h5::write_attribute(target, "namespace", name_space);
    h5::write_attribute(target, "neurodata_type", type);
    h5::write_attribute(target, "object_id", make_uuid4());
}

void set_vector_data(const h5::object& column, std::string_view description) {
    set_neurodata_type(column, "hdmf-common", "VectorData");
    h5::write_attribute(column, "description", description);
}

std::string first_non_empty(const std::string& a, const std::string& b) {
    if (!a.empty()) {
        return a;
    }
    return b.empty() ? core::utc_now_iso8601() : b;
}

// Everything of the NWBFile that does not depend on the spikes.
void write_file_skeleton(const h5::group& root, const core::provenance& prov, const nwb_options& options) {
    set_neurodata_type(root, "core", "NWBFile");
    h5::write_attribute(root, "nwb_version", nwb_version);
    write_provenance_attributes(root, prov);

    const std::string start = first_non_empty(options.session_start_time, prov.created_utc);
    h5::write_string_dataset(root, "identifier", options.identifier.empty() ? make_uuid4() : options.identifier);
    h5::write_string_dataset(root, "session_description", options.session_description);
    h5::write_string_dataset(root, "session_start_time", start);
    h5::write_string_dataset(root, "timestamps_reference_time", start);
    const std::array<std::string, 1> created = {core::utc_now_iso8601()};
    h5::write_string_array_dataset(root, "file_create_date", created);

    for (const char* name : {"acquisition", "analysis", "processing", "stimulus/presentation", "stimulus/templates"}) {
        root.create_group(name);
    }
    const h5::group general = root.create_group("general");
    const h5::dataset script = h5::write_string_dataset(general, "source_script", prov.config_toml);
    h5::write_attribute(script, "file_name", fmt::format("spikeforge {} resolved configuration (TOML)", prov.version));
}

void check_populations(std::string_view file, std::span<const nwb_population_spikes> populations) {
    std::set<std::string_view> names;
    for (const nwb_population_spikes& p : populations) {
        if (p.name.empty() || !names.insert(p.name).second) {
            throw core::config_error(fmt::format("{}: population name '{}' is empty or appears twice", file, p.name));
        }
        if (p.t_ms.size() != p.nodes.size()) {
            throw std::invalid_argument(fmt::format("{}: population '{}' has {} spike times but {} node ids", file,
                                                    p.name, p.t_ms.size(), p.nodes.size()));
        }
        for (std::size_t i = 0; i < p.t_ms.size(); ++i) {
            if (p.nodes[i] >= p.size || !std::isfinite(p.t_ms[i])) {
                throw core::input_error(fmt::format(
                    "{}: population '{}' spike #{}: node {} at t = {} ms, expected node < {} and a finite time", file,
                    p.name, i, p.nodes[i], p.t_ms[i], p.size));
            }
        }
    }
}

// The ragged spike_times column (NWB's VectorData + VectorIndex layout).
struct spike_time_columns {
    h5::appendable_vector<double> times_s;
    h5::appendable_vector<std::uint64_t> end_offsets;
};

// Appends one population's units: spikes regrouped unit by unit with a counting sort, then
// each unit's spikes sorted by time (already sorted when they came in time order).
void append_population_spikes(spike_time_columns& columns, const nwb_population_spikes& p) {
    std::vector<std::uint64_t> cursor(p.size, 0);  // counts, then start offsets, then ends
    for (const std::uint32_t node : p.nodes) {
        ++cursor[node];
    }
    std::uint64_t start = 0;
    for (std::uint64_t& c : cursor) {
        start += std::exchange(c, start);
    }
    std::vector<double> times_s(p.t_ms.size());
    for (std::size_t i = 0; i < p.t_ms.size(); ++i) {
        times_s[cursor[p.nodes[i]]++] = p.t_ms[i] / 1000.0;
    }
    std::uint64_t begin = 0;
    const std::uint64_t base = columns.times_s.size();
    for (std::uint64_t& end : cursor) {
        const auto first = times_s.begin() + static_cast<std::ptrdiff_t>(begin);
        const auto last = times_s.begin() + static_cast<std::ptrdiff_t>(end);
        if (!std::is_sorted(first, last)) {
            std::sort(first, last);
        }
        begin = end;
        end += base;  // now the global end offset, as spike_times_index stores it
    }
    columns.times_s.append(times_s);
    columns.end_offsets.append(cursor);
}

// The whole table is known when it is written, so chunks need not be longer than a column.
std::uint64_t chunk_for(std::uint64_t column_length) {
    return std::clamp<std::uint64_t>(column_length, 1, h5::default_chunk_elements);
}

void write_id_columns(const h5::group& units, std::span<const nwb_population_spikes> populations, int deflate_level) {
    std::uint64_t n_units = 0;
    for (const nwb_population_spikes& p : populations) {
        n_units += p.size;
    }
    h5::appendable_vector<std::int64_t> ids(units, "id", chunk_for(n_units), deflate_level);
    h5::appendable_vector<std::uint64_t> node_ids(units, "node_id", chunk_for(n_units), deflate_level);
    std::vector<const char*> population_of_unit;
    for (const nwb_population_spikes& p : populations) {
        std::vector<std::int64_t> id(p.size);
        std::vector<std::uint64_t> node(p.size);
        for (std::uint64_t n = 0; n < p.size; ++n) {
            id[n] = static_cast<std::int64_t>(ids.size() + n);
            node[n] = n;
        }
        ids.append(id);
        node_ids.append(node);
        population_of_unit.insert(population_of_unit.end(), p.size, p.name.c_str());
    }
    set_neurodata_type(ids.get(), "hdmf-common", "ElementIdentifiers");
    set_vector_data(node_ids.get(), "Population-local node id of the unit");
    const h5::dataset population =
        h5::write_string_array_dataset(units, "population", std::span<const char* const>(population_of_unit));
    set_vector_data(population, "Population the unit belongs to");
}

void write_units_table(const h5::group& root, std::span<const nwb_population_spikes> populations,
                       const nwb_options& options) {
    const h5::group units = root.create_group("units");
    set_neurodata_type(units, "core", "Units");
    h5::write_attribute(units, "description", options.units_description);
    const std::array<std::string, 3> colnames = {"spike_times", "population", "node_id"};
    h5::write_string_array_attribute(units, "colnames", colnames);

    write_id_columns(units, populations, options.deflate_level);
    std::uint64_t n_units = 0;
    std::uint64_t n_spikes = 0;
    for (const nwb_population_spikes& p : populations) {
        n_units += p.size;
        n_spikes += p.t_ms.size();
    }
    spike_time_columns columns{
        h5::appendable_vector<double>(units, "spike_times", chunk_for(n_spikes), options.deflate_level),
        h5::appendable_vector<std::uint64_t>(units, "spike_times_index", chunk_for(n_units), options.deflate_level)};
    for (const nwb_population_spikes& p : populations) {
        append_population_spikes(columns, p);
    }
    set_vector_data(columns.times_s.get(), "the spike times for each unit in seconds");
    h5::write_scalar_attribute<double>(columns.times_s.get(), "resolution", options.spike_time_resolution_s);
    set_neurodata_type(columns.end_offsets.get(), "hdmf-common", "VectorIndex");
    h5::write_attribute(columns.end_offsets.get(), "description", "Index for VectorData 'spike_times'");
    h5::write_reference_attribute(columns.end_offsets.get(), "target", columns.times_s.get());
}

}  // namespace

std::string make_uuid4() {
    std::random_device device;
    std::array<std::uint32_t, 4> word{};
    for (std::uint32_t& w : word) {
        w = static_cast<std::uint32_t>(device());
    }
    word[1] = (word[1] & 0xFFFF0FFFu) | 0x00004000u;  // version 4 (random)
    word[2] = (word[2] & 0x3FFFFFFFu) | 0x80000000u;  // RFC 4122 variant
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:04x}{:08x}", word[0], word[1] >> 16, word[1] & 0xFFFFu,
                       word[2] >> 16, word[2] & 0xFFFFu, word[3]);
}

void write_nwb_units(const std::filesystem::path& path, std::span<const nwb_population_spikes> populations,
                     const core::provenance& prov, const nwb_options& options) {
    check_populations(path.string(), populations);
    h5_output out(path);
    write_file_skeleton(out.root(), prov, options);
    write_units_table(out.root(), populations, options);
    out.commit();
}

// ---- nwb_units_writer ----

namespace {

struct population_spikes {
    std::string name;
    std::uint64_t size = 0;
    std::vector<double> t_ms;
    std::vector<std::uint32_t> nodes;
};

}  // namespace

struct nwb_units_writer::state {
    h5_output out;
    nwb_options options;
    double dt_ms = 0.0;
    bool begun = false;
    bool finished = false;
    std::vector<population_spikes> populations;

    state(const std::filesystem::path& path, nwb_options opts) : out(path), options(std::move(opts)) {}

    void require_open(std::string_view call) const {
        if (finished) {
            throw core::error(fmt::format("{}: {} after finish()", out.name(), call));
        }
    }
};

nwb_units_writer::nwb_units_writer(const std::filesystem::path& path, const core::provenance& prov, nwb_options options)
    : state_(std::make_unique<state>(path, std::move(options))) {
    write_file_skeleton(state_->out.root(), prov, state_->options);
}

nwb_units_writer::~nwb_units_writer() = default;

const std::filesystem::path& nwb_units_writer::path() const noexcept { return state_->out.path(); }

void nwb_units_writer::begin(const std::vector<core::population_info>& populations, double dt_ms) {
    state& s = *state_;
    s.require_open("begin()");
    if (s.begun) {
        throw core::error(fmt::format("{}: begin() called twice", s.out.name()));
    }
    check_dt(s.out.name(), dt_ms);
    std::set<std::string> names;
    for (const core::population_info& info : populations) {
        if (info.name.empty() || !names.insert(info.name).second) {
            throw core::config_error(
                fmt::format("{}: population name '{}' is empty or appears twice", s.out.name(), info.name));
        }
        s.populations.push_back({info.name, info.size, {}, {}});
    }
    if (s.options.spike_time_resolution_s < 0.0) {
        s.options.spike_time_resolution_s = dt_ms / 1000.0;  // spikes lie on the dt grid
    }
    s.dt_ms = dt_ms;
    s.begun = true;
}

void nwb_units_writer::write_spikes(std::size_t population, std::span<const std::int64_t> steps,
                                    std::span<const std::uint32_t> nodes) {
    state& s = *state_;
    s.require_open("write_spikes()");
    if (population >= s.populations.size()) {
        throw core::error(fmt::format("{}: spikes for population #{} but begin() declared {}", s.out.name(), population,
                                      s.populations.size()));
    }
    if (steps.size() != nodes.size()) {
        throw core::error(fmt::format("{}: {} spike steps but {} node ids", s.out.name(), steps.size(), nodes.size()));
    }
    population_spikes& p = s.populations[population];
    for (const std::uint32_t node : nodes) {
        if (node >= p.size) {
            throw core::error(
                fmt::format("{}: spike of node {} in population '{}' of {} nodes", s.out.name(), node, p.name, p.size));
        }
    }
    for (const std::int64_t step : steps) {
        p.t_ms.push_back(static_cast<double>(step) * s.dt_ms);
    }
    p.nodes.insert(p.nodes.end(), nodes.begin(), nodes.end());
}

void nwb_units_writer::finish() {
    state& s = *state_;
    if (s.finished) {
        return;
    }
    std::vector<nwb_population_spikes> views;
    views.reserve(s.populations.size());
    for (const population_spikes& p : s.populations) {
        views.push_back({p.name, p.size, p.t_ms, p.nodes});
    }
    write_units_table(s.out.root(), views, s.options);
    s.out.commit();
    s.finished = true;
    s.populations.clear();
    s.populations.shrink_to_fit();
}

}  // namespace sf::io
