// The common language between readers, analyses, dataset builders and plots (DESIGN.md §2):
// spike trains as a structure of arrays sorted by (time, unit), and a table describing the units.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace sf::core {

// All spikes of a recording or simulation. Invariants (checked by validate()):
//   t_ms.size() == unit.size(); sorted by (t_ms, unit); every unit < unit_count; t_ms finite.
struct spike_trains {
    std::vector<double> t_ms;          // [ms] spike times
    std::vector<std::uint32_t> unit;   // global unit index (row of the unit_table)
    std::uint32_t unit_count = 0;      // units, including silent ones
    double t_start_ms = 0.0;           // [ms] recording span: analyses use [t_start, t_stop]
    double t_stop_ms = 0.0;

    std::size_t size() const { return t_ms.size(); }
    // Sorts by (time, unit) (stable for equal pairs).
    void sort();
    // Throws core::input_error("<what>: ...") when an invariant is broken.
    void validate(const std::string& what) const;
};

// Per-unit CSR view: the spike times of unit u are times[offsets[u] .. offsets[u+1]), ascending
// (the NWB ragged layout).
struct unit_view {
    std::vector<std::uint64_t> offsets;  // unit_count + 1
    std::vector<double> times_ms;

    std::span<const double> of(std::uint32_t u) const {
        return {times_ms.data() + offsets[u], times_ms.data() + offsets[u + 1]};
    }
};
unit_view by_unit(const spike_trains& spikes);

enum class unit_type : std::uint8_t { unknown = 0, excitatory = 1, inhibitory = 2 };

// What is known about each unit. Units are grouped in populations; `population` indexes
// `population_names`. Positions are NaN when unknown.
struct unit_table {
    std::vector<std::string> population_names;
    std::vector<std::uint32_t> population;   // per unit
    std::vector<std::uint64_t> node_id;      // per unit: id in its source (population-local or file id)
    std::vector<double> x, y, z;             // per unit, file units (e.g. grid cells, um)
    std::vector<unit_type> type;             // per unit
    std::map<std::string, std::string> metadata;  // file-level facts (format, dt, source...)

    std::size_t size() const { return population.size(); }
    // Appends `n` units of a population (created if new) with node ids first_node.., NaN positions.
    std::uint32_t add_population(const std::string& name, std::uint32_t n, std::uint64_t first_node = 0);
};

// What a reader returns.
struct spike_dataset {
    spike_trains spikes;
    unit_table units;
    std::string format;  // detected or forced format name, e.g. "sonata"
};

}  // namespace sf::core
