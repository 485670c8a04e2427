// Spike-train statistics (the CLI's `stats`) for Python.
#include "bindings.hpp"
#include "dataset_convert.hpp"

#include "analysis/bursts.hpp"
#include "analysis/statistics.hpp"
#include "core/error.hpp"

#include <fmt/format.h>

namespace py = pybind11;

namespace sf::python {

namespace {

py::dict population_dict(const analysis::population_stats& s, const analysis::unit_values& u,
                         analysis::population_rate&& r) {
    py::dict d;
    d["name"] = s.name;
    d["units"] = s.units;
    d["active_units"] = s.active_units;
    d["spikes"] = s.spikes;
    d["mean_rate_hz"] = s.mean_rate_hz;
    d["rate_quartiles_hz"] = py::make_tuple(s.rate_q1_hz, s.rate_median_hz, s.rate_q3_hz);
    d["cv_isi"] = s.cv_isi;
    d["cv_units"] = s.cv_units;
    d["lvr"] = s.lvr;
    d["fano"] = s.fano;
    d["correlation"] = s.correlation;
    d["correlation_pairs"] = s.correlation_pairs;
    d["synchrony"] = s.synchrony;
    d["synchrony_cv"] = s.synchrony_cv;
    d["unit_rate_hz"] = to_numpy(std::vector<double>(u.rate_hz));
    d["unit_cv_isi"] = to_numpy(std::vector<double>(u.cv_isi));
    d["rate_t_ms"] = to_numpy(std::move(r.t_ms));
    d["rate_hz"] = to_numpy(std::move(r.rate_hz));
    d["rate_smoothed_hz"] = to_numpy(std::move(r.smoothed_hz));
    return d;
}

// Bursts as a dict of numpy columns (one entry per burst), named as in the CLI's CSV.
py::dict avalanche_columns(const analysis::avalanche_result& r) {
    std::vector<std::uint64_t> id, start_row, end_row, width, total;
    std::vector<std::int64_t> start_step, end_step, ibi;
    for (const auto& b : r.bursts) {
        id.push_back(b.id), start_row.push_back(b.start_row), end_row.push_back(b.end_row);
        start_step.push_back(b.start_step), end_step.push_back(b.end_step), width.push_back(b.width);
        total.push_back(b.total_spikes), ibi.push_back(b.ibi_steps);
    }
    py::dict d;
    d["id"] = to_numpy(std::move(id));
    d["start_row"] = to_numpy(std::move(start_row));
    d["end_row"] = to_numpy(std::move(end_row));
    d["start_step"] = to_numpy(std::move(start_step));
    d["end_step"] = to_numpy(std::move(end_step));
    d["width"] = to_numpy(std::move(width));
    d["total_spikes"] = to_numpy(std::move(total));
    d["ibi_steps"] = to_numpy(std::move(ibi));
    return d;
}

py::dict binned_columns(const std::vector<analysis::binned_burst>& bursts) {
    std::vector<std::uint64_t> id, start_bin, end_bin, width, total, peak;
    std::vector<double> start_ms, end_ms, ibi_ms;
    for (const auto& b : bursts) {
        id.push_back(b.id), start_bin.push_back(b.start_bin), end_bin.push_back(b.end_bin);
        start_ms.push_back(b.start_ms), end_ms.push_back(b.end_ms), width.push_back(b.width_bins);
        total.push_back(b.total_spikes), peak.push_back(b.peak_bin), ibi_ms.push_back(b.ibi_ms);
    }
    py::dict d;
    d["id"] = to_numpy(std::move(id));
    d["start_bin"] = to_numpy(std::move(start_bin));
    d["end_bin"] = to_numpy(std::move(end_bin));
    d["start_ms"] = to_numpy(std::move(start_ms));
    d["end_ms"] = to_numpy(std::move(end_ms));
    d["width_bins"] = to_numpy(std::move(width));
    d["total_spikes"] = to_numpy(std::move(total));
    d["peak_bin"] = to_numpy(std::move(peak));
    d["ibi_ms"] = to_numpy(std::move(ibi_ms));
    return d;
}

}  // namespace

void bind_analysis(py::module_& m) {
    m.def("stats", [](const py::dict& data_dict, double t_start_ms, double t_stop_ms, std::uint64_t seed,
                      double rate_bin_ms, double rate_kernel_sigma_ms) {
        const auto data = dataset_from_dict(data_dict, "stats");
        analysis::stats_options o;
        o.t_start_ms = t_start_ms;
        o.t_stop_ms = t_stop_ms;
        o.seed = seed;
        o.rate_bin_ms = rate_bin_ms;
        o.rate_kernel_sigma_ms = rate_kernel_sigma_ms;
        o.validate();
        analysis::statistics_report report;
        {
            py::gil_scoped_release release;
            report = analysis::analyse(data, o);
        }
        py::dict out;
        out["t_start_ms"] = report.t_start_ms;
        out["t_stop_ms"] = report.t_stop_ms;
        py::list pops;
        for (std::size_t k = 0; k < report.populations.size(); ++k)
            pops.append(population_dict(report.populations[k], report.units[k], std::move(report.rates[k])));
        out["populations"] = pops;
        return out;
    }, py::arg("data"), py::arg("t_start_ms") = -1.0, py::arg("t_stop_ms") = -1.0, py::arg("seed") = 1,
       py::arg("rate_bin_ms") = 1.0, py::arg("rate_kernel_sigma_ms") = 5.0);

    m.def("bursts", [](const py::dict& data_dict, const std::string& method, double dt_ms, std::uint64_t threshold,
                       double duration_steps, double bin_ms, double min_rate) {
        const auto data = dataset_from_dict(data_dict, "bursts");
        if (method == "avalanche") {
            analysis::avalanche_options o;
            o.dt_ms = dt_ms;
            o.min_spikes = threshold;
            o.duration_steps = duration_steps;
            analysis::avalanche_result r;
            {
                py::gil_scoped_release release;
                r = analysis::detect_avalanche_bursts(data.spikes, o);
            }
            py::dict out = avalanche_columns(r);
            out["rows"] = r.rows;
            out["avalanches"] = r.avalanches;
            out["mean_isi_steps"] = r.mean_isi_steps;
            return out;
        }
        if (method != "binned") throw core::config_error(fmt::format("method: must be avalanche or binned (got '{}')", method));
        analysis::binned_options o;
        o.bin_ms = bin_ms;
        o.min_spikes_per_unit = min_rate;
        std::vector<analysis::binned_burst> bursts;
        {
            py::gil_scoped_release release;
            bursts = analysis::detect_binned_bursts(data.spikes, o);
        }
        return binned_columns(bursts);
    }, py::arg("data"), py::arg("method"), py::arg("dt_ms"), py::arg("threshold"), py::arg("duration_steps"),
       py::arg("bin_ms"), py::arg("min_rate"));
}

}  // namespace sf::python
