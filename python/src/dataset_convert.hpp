// core::spike_dataset <-> the dict the Python package's SpikeData wraps (numpy arrays).
#pragma once

#include "bindings.hpp"
#include "core/spike_data.hpp"

namespace sf::python {

// Keys: times_ms, units, unit_count, t_start_ms, t_stop_ms, population_names, unit_population,
// node_id, format. The arrays own their memory (moved out of the dataset, no copy).
pybind11::dict dataset_to_dict(core::spike_dataset&& data);

// The inverse; sorts by (time, unit) and validates (core::input_error names `what`).
core::spike_dataset dataset_from_dict(const pybind11::dict& d, const std::string& what);

}  // namespace sf::python
