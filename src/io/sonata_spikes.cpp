#include "io/sonata_spikes.hpp"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <set>
#include <string>

#include "core/error.hpp"
#include "io/output_common.hpp"

namespace sf::io {

namespace {

// SONATA's `sorting` enum; libsonata reads it with exactly these names and values.
const std::array<h5::enum_member, 3> sorting_members = {h5::enum_member{"none", 0}, h5::enum_member{"by_id", 1},
                                                        h5::enum_member{"by_time", 2}};

struct population_stream {
    std::string name;
    std::uint64_t size = 0;
    h5::appendable_vector<double> timestamps;       // [ms]
    h5::appendable_vector<std::uint64_t> node_ids;  // population-local
    std::vector<double> pending_t_ms;
    std::vector<std::uint64_t> pending_nodes;
    std::int64_t last_step = std::numeric_limits<std::int64_t>::min();
};

}  // namespace

struct sonata_spike_writer::state {
    h5_output out;  // declared first: destroyed last, after the datasets below are closed
    sonata_spike_options options;
    double dt_ms = 0.0;
    bool begun = false;
    bool finished = false;
    std::vector<population_stream> populations;
    std::size_t buffered = 0;  // spikes pending over all populations

    state(const std::filesystem::path& path, sonata_spike_options opts) : out(path), options(opts) {}

    void require_open(std::string_view call) const {
        if (finished) {
            throw core::error(fmt::format("{}: {} after finish()", out.name(), call));
        }
    }

    void flush(population_stream& p) {
        p.timestamps.append(p.pending_t_ms);
        p.node_ids.append(p.pending_nodes);
        buffered -= p.pending_t_ms.size();
        // Free the buffers instead of clear(): a population that rarely spikes must not keep a
        // large capacity, otherwise memory would grow with the number of populations.
        std::vector<double>().swap(p.pending_t_ms);
        std::vector<std::uint64_t>().swap(p.pending_nodes);
    }

    void flush_all() {
        for (population_stream& p : populations) {
            flush(p);
        }
    }

    // Checks a write_spikes batch before anything is buffered, so a rejected batch leaves
    // the writer unchanged.
    void check_batch(const population_stream& p, std::span<const std::int64_t> steps,
                     std::span<const std::uint32_t> nodes) const {
        std::int64_t previous = p.last_step;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            if (steps[i] < previous) {
                throw core::error(fmt::format("{}: spikes of population '{}' go back in time (step {} after step {})",
                                              out.name(), p.name, steps[i], previous));
            }
            if (nodes[i] >= p.size) {
                throw core::error(fmt::format("{}: spike of node {} in population '{}' of {} nodes", out.name(),
                                              nodes[i], p.name, p.size));
            }
            previous = steps[i];
        }
    }
};

sonata_spike_writer::sonata_spike_writer(const std::filesystem::path& path, const core::provenance& prov,
                                         sonata_spike_options options)
    : state_(std::make_unique<state>(path, options)) {
    const h5::group root = state_->out.root();
    write_sonata_header(root);
    write_provenance_attributes(root, prov);
}

sonata_spike_writer::~sonata_spike_writer() = default;

const std::filesystem::path& sonata_spike_writer::path() const noexcept { return state_->out.path(); }

void sonata_spike_writer::begin(const std::vector<core::population_info>& populations, double dt_ms) {
    state& s = *state_;
    s.require_open("begin()");
    if (s.begun) {
        throw core::error(fmt::format("{}: begin() called twice", s.out.name()));
    }
    check_dt(s.out.name(), dt_ms);
    std::set<std::string> names;
    for (const core::population_info& info : populations) {
        check_component_name(s.out.name(), "population name", info.name);
        if (!names.insert(info.name).second) {
            throw core::config_error(fmt::format("{}: two populations are named '{}'", s.out.name(), info.name));
        }
    }

    const h5::group spikes = s.out.root().create_group("spikes");
    s.populations.reserve(populations.size());
    for (const core::population_info& info : populations) {
        const h5::group group = spikes.create_group(info.name);
        h5::write_enum_attribute(group, "sorting", sorting_members, "by_time");
        population_stream& p = s.populations.emplace_back();
        p.name = info.name;
        p.size = info.size;
        p.timestamps =
            h5::appendable_vector<double>(group, "timestamps", s.options.chunk_spikes, s.options.deflate_level);
        h5::write_attribute(p.timestamps.get(), "units", "ms");
        p.node_ids =
            h5::appendable_vector<std::uint64_t>(group, "node_ids", s.options.chunk_spikes, s.options.deflate_level);
    }
    s.dt_ms = dt_ms;
    s.begun = true;
}

void sonata_spike_writer::write_spikes(std::size_t population, std::span<const std::int64_t> steps,
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
    population_stream& p = s.populations[population];
    s.check_batch(p, steps, nodes);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        p.pending_t_ms.push_back(static_cast<double>(steps[i]) * s.dt_ms);
        p.pending_nodes.push_back(nodes[i]);
    }
    if (!steps.empty()) {
        p.last_step = steps.back();
    }
    s.buffered += steps.size();
    if (p.pending_t_ms.size() >= s.options.population_buffer_spikes) {
        s.flush(p);
    }
    if (s.buffered >= s.options.total_buffer_spikes) {
        s.flush_all();
    }
}

void sonata_spike_writer::finish() {
    state& s = *state_;
    if (s.finished) {
        return;
    }
    if (!s.begun) {
        begin({}, 1.0);
    }
    s.flush_all();
    s.populations.clear();  // closes every dataset: the file only closes when nothing is open
    s.out.commit();
    s.finished = true;
}

}  // namespace sf::io
