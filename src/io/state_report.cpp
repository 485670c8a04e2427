#include "io/state_report.hpp"

#include <fmt/format.h>

#include <array>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "io/output_common.hpp"

namespace sf::io {

namespace {

struct probe_stream {
    std::string group_path;  // "report/<population>/<field>", relative to the root
    std::int64_t interval_steps = 1;
    h5::appendable_matrix<double> data;
    std::vector<double> pending;  // row-major, pending_rows x columns
    std::uint64_t pending_rows = 0;
    std::optional<std::int64_t> first_step;  // step of row 0, once a sample arrived
    std::uint64_t rows = 0;                  // written + pending
};

void write_mapping(const h5::group& probe_group, const core::state_probe& probe) {
    const h5::group mapping = probe_group.create_group("mapping");
    const std::vector<std::uint64_t> node_ids(probe.nodes.begin(), probe.nodes.end());
    h5::write_dataset<std::uint64_t>(mapping, "node_ids", node_ids);
    // One element (the soma) per point neuron: node j owns data column j.
    std::vector<std::uint64_t> index_pointers(node_ids.size() + 1);
    std::iota(index_pointers.begin(), index_pointers.end(), std::uint64_t{0});
    h5::write_dataset<std::uint64_t>(mapping, "index_pointers", index_pointers);
    const std::vector<std::uint32_t> element_ids(node_ids.size(), 0);
    h5::write_dataset<std::uint32_t>(mapping, "element_ids", element_ids);
}

}  // namespace

struct state_report_writer::state {
    h5_output out;  // declared first: destroyed last, after the datasets below are closed
    state_report_options options;
    double dt_ms = 0.0;
    bool begun = false;
    bool finished = false;
    std::vector<probe_stream> probes;

    state(const std::filesystem::path& path, state_report_options opts) : out(path), options(opts) {}

    void require_open(std::string_view call) const {
        if (finished) {
            throw core::error(fmt::format("{}: {} after finish()", out.name(), call));
        }
    }

    static void flush(probe_stream& p) {
        p.data.append_rows(p.pending, p.pending_rows);
        std::vector<double>().swap(p.pending);
        p.pending_rows = 0;
    }

    void check_probes(const std::vector<core::state_probe>& probes_in) const {
        std::set<std::pair<std::string, std::string>> seen;
        for (const core::state_probe& probe : probes_in) {
            check_component_name(out.name(), "population name", probe.population_name);
            check_component_name(out.name(), "field name", probe.field);
            if (probe.interval_steps < 1) {
                throw core::config_error(fmt::format("{}: probe {}/{}: interval_steps = {}, expected >= 1", out.name(),
                                                     probe.population_name, probe.field, probe.interval_steps));
            }
            if (!seen.insert({probe.population_name, probe.field}).second) {
                throw core::config_error(fmt::format("{}: two probes record {} of population '{}'", out.name(),
                                                     probe.field, probe.population_name));
            }
        }
    }

    // The time mapping is known only at the end: the number of rows decides t_stop.
    void write_time(const probe_stream& p) const {
        const std::int64_t first = p.first_step.value_or(0);
        const auto rows = static_cast<std::int64_t>(p.rows);
        const std::array<double, 3> time = {static_cast<double>(first) * dt_ms,
                                            static_cast<double>(first + rows * p.interval_steps) * dt_ms,
                                            static_cast<double>(p.interval_steps) * dt_ms};
        const h5::group mapping = out.root().open_group(p.group_path + "/mapping");
        const h5::dataset ds = h5::write_dataset<double>(mapping, "time", time);
        h5::write_attribute(ds, "units", "ms");
    }
};

state_report_writer::state_report_writer(const std::filesystem::path& path, const core::provenance& prov,
                                         state_report_options options)
    : state_(std::make_unique<state>(path, options)) {
    const h5::group root = state_->out.root();
    write_sonata_header(root);
    write_provenance_attributes(root, prov);
}

state_report_writer::~state_report_writer() = default;

const std::filesystem::path& state_report_writer::path() const noexcept { return state_->out.path(); }

void state_report_writer::begin(const std::vector<core::state_probe>& probes, double dt_ms) {
    state& s = *state_;
    s.require_open("begin()");
    if (s.begun) {
        throw core::error(fmt::format("{}: begin() called twice", s.out.name()));
    }
    check_dt(s.out.name(), dt_ms);
    s.check_probes(probes);

    const h5::group root = s.out.root();
    const h5::group report = root.create_group("report");
    s.probes.reserve(probes.size());
    for (const core::state_probe& probe : probes) {
        probe_stream& p = s.probes.emplace_back();
        p.group_path = fmt::format("report/{}/{}", probe.population_name, probe.field);
        p.interval_steps = probe.interval_steps;
        const h5::group group = root.create_group(p.group_path);
        p.data = h5::appendable_matrix<double>(group, "data", probe.nodes.size(), s.options.chunk_values,
                                               s.options.deflate_level);
        h5::write_attribute(p.data.get(), "units", probe.unit);
        write_mapping(group, probe);
    }
    s.dt_ms = dt_ms;
    s.begun = true;
}

void state_report_writer::write_samples(std::size_t probe, std::int64_t first_step, std::size_t n_samples,
                                        std::span<const double> rows) {
    state& s = *state_;
    s.require_open("write_samples()");
    if (probe >= s.probes.size()) {
        throw core::error(
            fmt::format("{}: samples for probe #{} but begin() declared {}", s.out.name(), probe, s.probes.size()));
    }
    probe_stream& p = s.probes[probe];
    const std::uint64_t columns = p.data.columns();
    if (rows.size() != n_samples * columns) {
        throw core::error(fmt::format("{}: {}: {} values are not {} samples of {} nodes", s.out.name(), p.group_path,
                                      rows.size(), n_samples, columns));
    }
    if (n_samples == 0) {
        return;
    }
    if (p.first_step) {
        const std::int64_t expected = *p.first_step + static_cast<std::int64_t>(p.rows) * p.interval_steps;
        if (first_step != expected) {
            throw core::error(fmt::format("{}: {}: samples start at step {}, expected step {}", s.out.name(),
                                          p.group_path, first_step, expected));
        }
    } else {
        p.first_step = first_step;
    }
    p.pending.insert(p.pending.end(), rows.begin(), rows.end());
    p.pending_rows += n_samples;
    p.rows += n_samples;
    if (p.pending.size() >= s.options.probe_buffer_values) {
        state::flush(p);
    }
}

void state_report_writer::finish() {
    state& s = *state_;
    if (s.finished) {
        return;
    }
    if (!s.begun) {
        begin({}, 1.0);
    }
    for (probe_stream& p : s.probes) {
        state::flush(p);
        s.write_time(p);
    }
    s.probes.clear();  // closes every dataset: the file only closes when nothing is open
    s.out.commit();
    s.finished = true;
}

}  // namespace sf::io
