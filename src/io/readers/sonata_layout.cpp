#include "io/readers/sonata_layout.hpp"

#include <fmt/format.h>

#include <utility>

#include "io/readers/reader_common.hpp"

namespace sf::io::readers {

std::string attribute_or(const h5::object& target, std::string_view name, std::string fallback) {
    return h5::has_attribute(target, name) ? h5::read_attribute_text(target, name) : std::move(fallback);
}

namespace {

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

std::string read_sorting(const h5::group& group) {
    if (!h5::has_attribute(group, "sorting")) {
        return "none";
    }
    std::string sorting = h5::read_attribute_text(group, "sorting");
    if (sorting != "none" && sorting != "by_id" && sorting != "by_time") {
        bad_input(group.file_name(), group.path() + " attribute sorting", fmt::format("'{}'", sorting),
                  "none, by_id or by_time");
    }
    return sorting;
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

}  // namespace

// Opens and checks one population group (everything but the values).
population_source open_population(const h5::group& group, std::string name) {
    population_source p;
    p.name = std::move(name);
    p.timestamps = open_required(group, "timestamps", "spike times (float64, attribute units)");
    p.node_ids = open_node_ids(group);
    require_type(p.timestamps, true);
    require_type(p.node_ids, false);
    p.sorting = read_sorting(group);
    p.unit_ms = time_unit_ms(group, p.timestamps);
    p.ids_signed = h5::type_of(p.node_ids).is_signed;
    p.n = h5::detail::vector_length(p.timestamps);
    if (h5::detail::vector_length(p.node_ids) != p.n) {
        bad_input(group.file_name(), p.node_ids.path(),
                  fmt::format("{} node ids for {} timestamps", h5::detail::vector_length(p.node_ids), p.n),
                  "one node id per timestamp");
    }
    return p;
}

std::vector<population_source> open_populations(const h5::group& root, const std::string& path) {
    if (!h5::is_group_member(root, "spikes")) {
        bad_input(path, "/spikes", "group missing", "a SONATA spike report (/spikes/<population>)");
    }
    const h5::group spikes = root.open_group("spikes");
    std::vector<population_source> out;
    if (spikes.contains("timestamps")) {  // older single-population layout
        out.push_back(open_population(spikes, attribute_or(spikes, "population", "default")));
        return out;
    }
    for (const std::string& name : h5::member_names(spikes)) {
        if (h5::is_group_member(spikes, name)) out.push_back(open_population(spikes.open_group(name), name));
    }
    return out;
}

}  // namespace sf::io::readers
