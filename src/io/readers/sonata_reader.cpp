// SONATA spike reports: /spikes/<population>/{timestamps, node_ids} (SONATA developer guide),
// also the older single-population layout /spikes/{timestamps, gids|node_ids}.
//
// Time unit: attribute `units` of timestamps (or of the population group): "ms" (default when
// absent, as the guide specifies) or "s". `sorting` (enum or string: none | by_id | by_time) is
// checked but not trusted: spikes are sorted after reading anyway.
// Memory: while reading, 16 bytes per spike (times + local ids) plus an 8 MiB id buffer; then
// the result (12 bytes per spike) is filled population by population, each population freed
// once copied: at most ~28 bytes per spike, plus the sort's workspace (~20 bytes per spike)
// when the file is not already in (time, unit) order.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/readers/reader_common.hpp"
#include "io/readers/readers.hpp"

namespace sf::io::readers {

namespace {

constexpr std::uint64_t slice_elements = std::uint64_t{1} << 20;

std::string attribute_or(const h5::object& target, std::string_view name, std::string fallback) {
    return h5::has_attribute(target, name) ? h5::read_attribute_text(target, name) : std::move(fallback);
}

// ms per unit of the timestamps: the dataset's `units` attribute, else the group's, else ms.
double time_unit_ms(const h5::group& group, const h5::dataset& timestamps) {
    const std::string units = attribute_or(timestamps, "units", attribute_or(group, "units", "ms"));
    if (units == "ms" || units == "millisecond" || units == "milliseconds") {
        return 1.0;
    }
    if (units == "s" || units == "second" || units == "seconds") {
        return 1000.0;
    }
    bad_input(timestamps.file_name(), timestamps.path() + " attribute units", fmt::format("'{}'", units),
              "'ms' or 's'");
}

void check_sorting(const h5::group& group) {
    if (!h5::has_attribute(group, "sorting")) {
        return;
    }
    const std::string sorting = h5::read_attribute_text(group, "sorting");
    if (sorting != "none" && sorting != "by_id" && sorting != "by_time") {
        bad_input(group.file_name(), group.path() + " attribute sorting", fmt::format("'{}'", sorting),
                  "none, by_id or by_time");
    }
}

void require_type(const h5::dataset& ds, bool allow_float) {
    const h5::stored_type t = h5::type_of(ds);
    const bool ok =
        t.type_class == h5::stored_class::integer || (allow_float && t.type_class == h5::stored_class::floating);
    if (!ok) {
        bad_input(ds.file_name(), ds.path(), fmt::format("dtype {}", h5::type_name(t)),
                  allow_float ? "a numeric dtype (float64 times)" : "an integer dtype");
    }
}

h5::dataset open_required(const h5::group& group, std::string_view name, std::string_view expected) {
    if (!group.contains(name)) {
        bad_input(group.file_name(), fmt::format("{}/{}", group.path(), name), "dataset missing", expected);
    }
    return group.open_dataset(name);
}

// The ids dataset of a population: node_ids (SONATA 0.x+) or gids (older BMTK / NEURON files).
h5::dataset open_node_ids(const h5::group& group) {
    return open_required(group, group.contains("node_ids") || !group.contains("gids") ? "node_ids" : "gids",
                         "population-local node ids (uint64)");
}

population_spikes read_population(const h5::group& group, std::string name) {
    const h5::dataset timestamps = open_required(group, "timestamps", "spike times (float64, attribute units)");
    const h5::dataset node_ids = open_node_ids(group);
    require_type(timestamps, true);
    require_type(node_ids, false);
    check_sorting(group);
    const double unit_ms = time_unit_ms(group, timestamps);
    const std::uint64_t n = h5::detail::vector_length(timestamps);
    if (h5::detail::vector_length(node_ids) != n) {
        bad_input(group.file_name(), node_ids.path(),
                  fmt::format("{} node ids for {} timestamps", h5::detail::vector_length(node_ids), n),
                  "one node id per timestamp");
    }
    population_spikes p;
    p.name = std::move(name);
    p.t_ms.resize(n);
    p.node.resize(n);
    double max_t = 0.0;
    // Read in slices so that HDF5's conversion buffers stay small whatever the file size.
    std::vector<std::int64_t> ids;
    for (std::uint64_t first = 0; first < n; first += slice_elements) {
        const std::uint64_t count = std::min(slice_elements, n - first);
        std::span<double> t(p.t_ms.data() + first, count);
        h5::read_slice<double>(timestamps, first, t);
        ids.resize(count);
        h5::read_slice<std::int64_t>(node_ids, first, std::span<std::int64_t>(ids));
        for (std::uint64_t i = 0; i < count; ++i) {
            check_spike_time(group.file_name(), timestamps.path(), first + i, t[i]);
            if (ids[i] < 0) {
                bad_input(group.file_name(), node_ids.path(), fmt::format("node id {} at #{}", ids[i], first + i),
                          "node ids >= 0");
            }
            max_t = std::max(max_t, t[i]);
            t[i] *= unit_ms;
            p.node[first + i] = static_cast<std::uint64_t>(ids[i]);
            p.size = std::max(p.size, p.node[first + i] + 1);
        }
    }
    if (unit_ms == 1000.0) {
        check_plausible_seconds(group.file_name(), timestamps.path(), max_t);
    }
    return p;
}

}  // namespace

core::spike_dataset read_sonata(const std::string& path, const read_options&) {
    return run_hdf5_reader(path, [&] {
        const h5::file file = h5::file::open_read_only(path);
        const h5::group root = file.root();
        if (!h5::is_group_member(root, "spikes")) {
            bad_input(path, "/spikes", "group missing", "a SONATA spike report (/spikes/<population>)");
        }
        const h5::group spikes = root.open_group("spikes");
        std::vector<population_spikes> populations;
        if (spikes.contains("timestamps")) {
            // Older single-population layout.
            populations.push_back(read_population(spikes, attribute_or(spikes, "population", "default")));
        } else {
            for (const std::string& name : h5::member_names(spikes)) {
                if (h5::is_group_member(spikes, name)) {
                    populations.push_back(read_population(spikes.open_group(name), name));
                }
            }
        }
        const recorded_run run = recorded_run_of_hdf5(root);
        for (population_spikes& p : populations) {
            if (const auto it = run.population_size.find(p.name); it != run.population_size.end()) {
                p.size = std::max(p.size, it->second);
            }
        }
        core::spike_dataset data = assemble(path, std::move(populations), "sonata", run.t_stop_ms);
        data.units.metadata["format"] = "sonata";
        data.units.metadata["source"] = path;
        return data;
    });
}

}  // namespace sf::io::readers
