// Calcium imaging for Python (the CLI's `calcium infer` and `calcium eval`) on numpy arrays.
//
// Traces cross the boundary as a list of 1-D float arrays, one per neuron (each its own
// length), or a 2-D array neurons x samples whose trailing NaNs are padding, as in our .npy files.
#include "bindings.hpp"

#include "calcium/infer.hpp"
#include "calcium/spikefinder_metric.hpp"
#include "calcium/trace_io.hpp"
#include "core/error.hpp"

#include <fmt/format.h>

#include <cmath>

namespace py = pybind11;

namespace sf::python {

namespace {

// A trace without its trailing NaN padding.
std::vector<double> unpadded(const double* values, std::size_t n) {
    while (n > 0 && std::isnan(values[n - 1])) --n;
    return std::vector<double>(values, values + n);
}

calcium::trace_table to_table(const py::handle& traces, double rate_hz, const std::string& what) {
    calcium::trace_table table;
    table.rate_hz = rate_hz;
    auto matrix = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(traces);
    if (matrix && matrix.ndim() == 2) {
        for (py::ssize_t n = 0; n < matrix.shape(0); ++n)
            table.columns.push_back(unpadded(matrix.data(n, 0), static_cast<std::size_t>(matrix.shape(1))));
    } else if (matrix && matrix.ndim() == 1 && !py::isinstance<py::list>(traces) && !py::isinstance<py::tuple>(traces)) {
        table.columns.push_back(unpadded(matrix.data(), static_cast<std::size_t>(matrix.size())));
    } else {
        if (!py::isinstance<py::sequence>(traces))
            throw core::config_error(fmt::format("{}: expected a 2-D array (neurons x samples) or a list of 1-D arrays", what));
        for (auto trace : traces) {
            const auto v = to_vector<double>(trace);
            table.columns.push_back(unpadded(v.data(), v.size()));
        }
    }
    for (std::size_t n = 0; n < table.columns.size(); ++n) table.names.push_back(std::to_string(n));
    return table;
}

py::list to_arrays(calcium::trace_table&& table) {
    py::list out;
    for (auto& column : table.columns) out.append(to_numpy(std::move(column)));
    return out;
}

}  // namespace

void bind_calcium(py::module_& m) {
    m.def("calcium_infer", [](const py::handle& traces, double rate_hz, const std::string& method, const std::string& model,
                              double smooth_ms, bool delta_f, double max_decay_s, int threads) {
        calcium::infer_options o;
        if (method == "cnn") o.method = calcium::inference_method::cnn;
        else if (method == "oasis") o.method = calcium::inference_method::oasis;
        else throw core::config_error(fmt::format("method: must be oasis or cnn (got '{}')", method));
        o.model = model;
        o.smooth_ms = smooth_ms;
        o.delta_f = delta_f;
        o.max_decay_s = max_decay_s;
        o.threads = threads;
        o.source = "traces";
        if (!(rate_hz > 0) || !std::isfinite(rate_hz))
            throw core::config_error(fmt::format("rate_hz: must be > 0 Hz (got {})", rate_hz));
        auto table = to_table(traces, rate_hz, "traces");
        calcium::trace_table spikes;
        {
            py::gil_scoped_release release;
            spikes = calcium::infer_spikes(table, o);
        }
        return to_arrays(std::move(spikes));
    }, py::arg("traces"), py::arg("rate_hz"), py::arg("method"), py::arg("model"), py::arg("smooth_ms"),
       py::arg("delta_f"), py::arg("max_decay_s"), py::arg("threads"));

    m.def("calcium_score", [](const py::handle& prediction, const py::handle& truth, std::size_t bin) {
        const auto score = calcium::score_spikefinder(to_table(prediction, 100.0, "prediction"),
                                                      to_table(truth, 100.0, "truth"), bin);
        py::dict d;
        d["bin"] = score.bin;
        d["correlation"] = to_numpy(std::vector<double>(score.correlation));
        d["bins"] = to_numpy(std::vector<std::size_t>(score.bins));
        d["mean"] = score.mean;
        return d;
    }, py::arg("prediction"), py::arg("truth"), py::arg("bin"));

    m.def("read_traces", [](const std::string& path, double rate_hz, const std::string& dataset) {
        calcium::trace_read_options o;
        if (rate_hz > 0) o.rate_hz = rate_hz;
        o.dataset = dataset;
        auto table = calcium::read_traces(path, o);
        const double rate = table.rate_hz;
        auto names = table.names;
        return py::make_tuple(to_arrays(std::move(table)), rate, names);
    }, py::arg("path"), py::arg("rate_hz") = 0.0, py::arg("dataset") = "");

    m.def("write_traces", [](const std::string& path, const py::handle& traces, double rate_hz, bool float32) {
        const auto table = to_table(traces, rate_hz, path);
        calcium::trace_write_options o;
        o.float32 = float32;
        py::gil_scoped_release release;
        calcium::write_traces(path, table, o);
    }, py::arg("path"), py::arg("traces"), py::arg("rate_hz"), py::arg("float32") = false);
}

}  // namespace sf::python
