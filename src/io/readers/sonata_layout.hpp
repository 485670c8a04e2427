// The SONATA spike-report layout, shared by the whole-file reader (sonata_reader.cpp) and the
// streaming reader (sonata_stream.cpp): /spikes/<population>/{timestamps, node_ids|gids}
// (populations in name order) or the older single-population /spikes/{timestamps, gids};
// timestamps' `units` ms (default) or s; `sorting` none | by_id | by_time (a hint, checked).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/hdf5.hpp"

namespace sf::io::readers {

// One population being read: its datasets and what the reading has found so far.
struct population_source {
    std::string name;
    std::string sorting;  // none | by_id | by_time
    h5::dataset timestamps, node_ids;
    double unit_ms = 1.0;
    bool ids_signed = false;  // node ids stored as a signed integer type (read as int64, else uint64)
    std::uint64_t n = 0;      // spikes
    std::uint64_t size = 0;   // max node id + 1 so far
    double max_t = 0.0;       // in the file's unit (for the seconds plausibility check)
};

// A text, enum or integer attribute as text, or `fallback` when absent.
std::string attribute_or(const h5::object& target, std::string_view name, std::string fallback);

// Opens and checks one population group (everything but the values).
population_source open_population(const h5::group& group, std::string name);

// Every population of the file at `path` (root = its root group), in reading order; exit 3 when
// /spikes is missing.
std::vector<population_source> open_populations(const h5::group& root, const std::string& path);

}  // namespace sf::io::readers
