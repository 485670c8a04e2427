// Spike files <-> numpy arrays: every format the CLI's `convert` reads and writes.
#include "bindings.hpp"
#include "dataset_convert.hpp"

#include "core/error.hpp"
#include "core/provenance.hpp"
#include "core/version.hpp"
#include "io/spike_readers.hpp"

namespace py = pybind11;

namespace sf::python {

py::dict dataset_to_dict(core::spike_dataset&& data) {
    py::dict d;
    d["unit_count"] = data.spikes.unit_count;
    d["t_start_ms"] = data.spikes.t_start_ms;
    d["t_stop_ms"] = data.spikes.t_stop_ms;
    d["times_ms"] = to_numpy(std::move(data.spikes.t_ms));
    d["units"] = to_numpy(std::move(data.spikes.unit));
    d["population_names"] = data.units.population_names;
    d["unit_population"] = to_numpy(std::move(data.units.population));
    d["node_id"] = to_numpy(std::move(data.units.node_id));
    d["format"] = data.format;
    return d;
}

core::spike_dataset dataset_from_dict(const py::dict& d, const std::string& what) {
    core::spike_dataset data;
    data.spikes.t_ms = to_vector<double>(d["times_ms"]);
    data.spikes.unit = to_vector<std::uint32_t>(d["units"]);
    data.spikes.unit_count = d["unit_count"].cast<std::uint32_t>();
    data.spikes.t_start_ms = d["t_start_ms"].cast<double>();
    data.spikes.t_stop_ms = d["t_stop_ms"].cast<double>();
    const auto names = d["population_names"].cast<std::vector<std::string>>();
    const auto membership = to_vector<std::uint32_t>(d["unit_population"]);
    if (membership.size() != data.spikes.unit_count)
        throw core::input_error(what + ": unit_population needs one entry per unit");
    // Units of one population are contiguous in a unit table: add them population by population.
    for (std::size_t u = 0; u < membership.size();) {
        std::size_t end = u;
        while (end < membership.size() && membership[end] == membership[u]) ++end;
        if (membership[u] >= names.size()) throw core::input_error(what + ": unit_population index out of range");
        data.units.add_population(names[membership[u]], static_cast<std::uint32_t>(end - u), 0);
        u = end;
    }
    // Each unit's id in its source (e.g. SONATA node ids), when given.
    if (d.contains("node_id") && !d["node_id"].is_none()) {
        auto node_id = to_vector<std::uint64_t>(d["node_id"]);
        if (node_id.size() != data.units.node_id.size())
            throw core::input_error(what + ": node_id needs one entry per unit");
        data.units.node_id = std::move(node_id);
    }
    data.spikes.sort();
    data.spikes.validate(what);
    data.format = "python";
    return data;
}

void bind_io(py::module_& m) {
    m.def("detect_format", &io::detect_format, py::arg("path"), "The format of a spike file, from its content.");
    m.def("read_spikes", [](const std::vector<std::string>& paths, const std::string& format, double time_unit_ms, double dt_ms) {
        io::read_options o;
        o.format = format;
        o.time_unit_ms = time_unit_ms;
        o.dt_ms = dt_ms;
        core::spike_dataset data;
        {
            py::gil_scoped_release release;
            data = io::read_spikes(paths, o);
        }
        return dataset_to_dict(std::move(data));
    }, py::arg("paths"), py::arg("format") = "", py::arg("time_unit_ms") = 0.0, py::arg("dt_ms") = 0.1);
    m.def("write_spikes", [](const py::dict& d, const std::string& path, const std::string& format) {
        const auto data = dataset_from_dict(d, path);
        core::provenance prov;
        prov.version = core::version;
        prov.created_utc = core::utc_now_iso8601();
        prov.command_line = "python: spikeforge.write_spikes";
        py::gil_scoped_release release;
        io::write_spikes(data, path, format, prov);
    }, py::arg("data"), py::arg("path"), py::arg("format"));
}

}  // namespace sf::python
