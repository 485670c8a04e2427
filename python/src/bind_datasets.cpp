// Neural-pile shards (docs/pile.md) <-> numpy: the rows of `pile build|merge|reorder` outputs,
// read one row group at a time (bounded memory), and shards written from Python rows.
#include "bindings.hpp"

#include "core/error.hpp"
#include "datasets/pile_dataset.hpp"

#include <fmt/format.h>

namespace py = pybind11;

namespace sf::python {

namespace {

// A row as a dict; spike_counts is a units x bins uint8 array owning the row's vector.
py::dict row_dict(datasets::pile_row&& row) {
    auto* owner = new std::vector<std::uint8_t>(std::move(row.counts));
    py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<std::uint8_t>*>(p); });
    py::dict d;
    d["spike_counts"] = py::array_t<std::uint8_t>({static_cast<py::ssize_t>(row.units), static_cast<py::ssize_t>(row.bins)},
                                                  owner->data(), free_owner);
    d["subject_id"] = row.subject_id;
    d["session_id"] = row.session_id;
    d["segment_id"] = row.segment_id;
    d["source_dataset"] = row.source_dataset;
    return d;
}

datasets::pile_row row_of(const py::handle& item, std::size_t k) {
    const auto d = item.cast<py::dict>();
    auto counts = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(d["spike_counts"]);
    if (!counts || counts.ndim() != 2)
        throw core::config_error(fmt::format("rows[{}].spike_counts: expected a 2-D array units x bins", k));
    datasets::pile_row row;
    row.units = static_cast<std::uint32_t>(counts.shape(0));
    row.bins = static_cast<std::uint64_t>(counts.shape(1));
    row.counts.assign(counts.data(), counts.data() + counts.size());
    row.subject_id = d["subject_id"].cast<std::string>();
    row.session_id = d["session_id"].cast<std::string>();
    row.segment_id = d["segment_id"].cast<std::string>();
    return row;
}

}  // namespace

void bind_datasets(py::module_& m) {
    m.def("pile_shard_files", [](const std::vector<std::string>& inputs, const std::string& split) {
        std::vector<std::string> paths;
        for (const auto& f : datasets::pile_shard_files(inputs, split)) paths.push_back(f.path.string());
        return paths;
    }, py::arg("inputs"), py::arg("split") = "");

    py::class_<datasets::pile_shard_reader>(m, "PileShard", "One Parquet shard of a neural-pile dataset.")
        .def(py::init([](const std::string& path) { return datasets::pile_shard_reader(path); }), py::arg("path"))
        .def_property_readonly("rows", &datasets::pile_shard_reader::rows)
        .def_property_readonly("row_groups", &datasets::pile_shard_reader::row_groups)
        .def("read_row_group", [](const datasets::pile_shard_reader& r, std::size_t group) {
            if (group >= r.row_groups())
                throw core::config_error(fmt::format("{}: row group {} of {}", r.path().string(), group, r.row_groups()));
            std::vector<datasets::pile_row> rows;
            {
                py::gil_scoped_release release;
                rows = r.read_row_group(group);
            }
            py::list out;
            for (auto& row : rows) out.append(row_dict(std::move(row)));
            return out;
        }, py::arg("group"));

    m.def("write_pile_shard", [](const std::string& path, const py::list& rows) {
        std::vector<datasets::pile_row> converted;
        for (std::size_t k = 0; k < rows.size(); ++k) converted.push_back(row_of(rows[k], k));
        py::gil_scoped_release release;
        datasets::write_pile_shard(path, converted);
    }, py::arg("path"), py::arg("rows"));
}

}  // namespace sf::python
