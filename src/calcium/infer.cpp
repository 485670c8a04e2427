#include "calcium/infer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "calcium/elephant_cnn.hpp"
#include "calcium/trace_io.hpp"
#include "core/error.hpp"
#include "core/parallel_for.hpp"

namespace sf::calcium {

namespace {

constexpr double cnn_rate_hz = 100.0;  // the Spikefinder rate every shipped CNN was trained at

void check_no_nan(const trace_table& traces, const std::string& source) {
    for (std::size_t c = 0; c < traces.neurons(); ++c) {
        const auto& column = traces.columns[c];
        for (std::size_t i = 0; i < column.size(); ++i)
            if (std::isnan(column[i]))
                throw core::input_error(fmt::format("{}: neuron '{}', sample {}: NaN inside the trace; expected numbers up to "
                                                    "the trace's end (padding only after it)",
                                                    source, traces.names[c], i));
    }
}

void check_options(const infer_options& o) {
    if (o.model_rate_hz && !(*o.model_rate_hz > 0.0)) throw core::config_error("--model-fps must be a positive number of Hz");
    if (!(o.smooth_ms >= 0.0)) throw core::config_error("--smooth-ms must be >= 0");
    if (!(o.drift_window_s >= 0.0)) throw core::config_error("--drift-window must be >= 0 seconds");
    if (!(o.delta_f_window_s > 0.0)) throw core::config_error("--dff-window must be a positive number of seconds");
    if (!(o.delta_f_percentile >= 0.0 && o.delta_f_percentile <= 100.0))
        throw core::config_error("--dff-percentile must be in [0, 100]");
}

}  // namespace

trace_table infer_spikes(const trace_table& traces, const infer_options& options, infer_summary* summary) {
    check_options(options);
    check_no_nan(traces, options.source);
    std::optional<elephant_model> model;
    if (options.method == inference_method::cnn) model = load_named_model(options.model);

    trace_table out;
    out.names = traces.names;
    out.rate_hz = traces.rate_hz;
    out.columns.resize(traces.neurons());
    std::vector<double> seconds(traces.neurons(), 0.0), rates(traces.neurons(), 0.0);
    std::vector<oasis_result> fits(traces.neurons());
    core::parallel_for(traces.neurons(), options.threads, [&](std::size_t n) {
        const auto& raw = traces.columns[n];
        std::vector<double> trace(raw.begin(), raw.end());
        if (options.delta_f)
            trace = delta_f_over_f(trace, traces.rate_hz, options.delta_f_window_s, options.delta_f_percentile,
                                   fmt::format("{}: neuron '{}'", options.source, traces.names[n]));
        const double run_rate = options.model_rate_hz.value_or(
            model ? cnn_rate_hz : std::min(traces.rate_hz, effective_rate_hz(trace, traces.rate_hz)));
        rates[n] = run_rate;
        const bool resample = run_rate != traces.rate_hz;
        if (resample) trace = resample_trace(trace, traces.rate_hz, run_rate);
        const auto start = std::chrono::steady_clock::now();
        std::vector<double> result;
        if (model) {
            const auto y = elephant_predict(*model, trace);
            result.assign(y.begin(), y.end());
        } else {
            try {
                auto oasis = options.oasis;
                oasis.drift_window = static_cast<std::size_t>(options.drift_window_s * run_rate);
                oasis.max_decay = options.max_decay_s * run_rate;
                fits[n] = oasis_deconvolve(trace, oasis);
            } catch (const std::invalid_argument& e) {
                throw core::config_error(e.what());
            }
            result = options.oasis_calcium ? std::move(fits[n].c) : std::move(fits[n].s);
            fits[n].c.clear(), fits[n].s.clear();
        }
        seconds[n] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (resample) result = resample_to_length(result, run_rate, traces.rate_hz, raw.size());
        if (!model && !options.oasis_calcium && options.smooth_ms > 0.0)
            result = gaussian_smooth(result, options.smooth_ms * 1e-3 * traces.rate_hz);
        out.columns[n] = std::move(result);
    });
    if (summary) {
        summary->samples = 0;
        summary->method_seconds = 0.0;
        for (std::size_t n = 0; n < traces.neurons(); ++n)
            summary->samples += traces.columns[n].size(), summary->method_seconds += seconds[n];
        summary->rates_hz = std::move(rates);
        summary->oasis = std::move(fits);
    }
    return out;
}

}  // namespace sf::calcium
