// `spikeforge calcium ...`: spike inference from calcium imaging (issue 6, seed 002).
// `calcium eval` scores predictions with the Spikefinder metric (src/calcium/spikefinder_metric);
// `calcium infer --method cnn` runs the Elephant CNN (src/calcium/elephant_cnn) over Spikefinder
// CSV traces. Formats, the metric's definition and the CNN: docs/calcium.md.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "calcium/elephant_cnn.hpp"
#include "calcium/spikefinder_csv.hpp"
#include "calcium/spikefinder_metric.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "core/provenance.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"

namespace sf::cli {

namespace {

struct eval_cli {
    std::string prediction, truth, json_out;
    std::size_t bin = calcium::spikefinder_bin_samples;
    bool quiet = false;
};

struct infer_cli {
    std::string method = "cnn", model = "elephant-model1", in, out;
    bool quiet = false;
};

void check_output_dir(const std::string& path) {
    const auto dir = std::filesystem::path(path).parent_path();
    io::check_writable_dir(dir.empty() ? std::filesystem::path(".") : dir);
}

nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

int run_eval(const eval_cli& o) {
    if (o.bin == 0) throw core::config_error("--bin 0: the bin width must be at least 1 sample");
    if (!o.json_out.empty() && o.json_out != "-") check_output_dir(o.json_out);
    const auto pred = calcium::read_spikefinder_csv(o.prediction);
    const auto truth = calcium::read_spikefinder_csv(o.truth);
    const auto score = calcium::score_spikefinder(pred, truth, o.bin, o.prediction, o.truth);
    const double bin_ms = 1000.0 * static_cast<double>(o.bin) / truth.rate_hz;
    if (!o.quiet && o.json_out != "-") {
        fmt::print("Spikefinder correlation, bins of {} samples = {:g} ms at {:g} Hz\n", o.bin, bin_ms, truth.rate_hz);
        fmt::print("{:>8} {:>8} {:>12}\n", "neuron", "bins", "correlation");
        for (std::size_t c = 0; c < truth.neurons(); ++c)
            fmt::print("{:>8} {:>8} {:>12.6f}\n", truth.names[c], score.bins[c], score.correlation[c]);
        fmt::print("{:>8} {:>8} {:>12.6f}\n", "mean", "", score.mean);
    }
    if (!o.json_out.empty()) {
        nlohmann::json neurons = nlohmann::json::array();
        for (std::size_t c = 0; c < truth.neurons(); ++c)
            neurons.push_back({{"name", truth.names[c]}, {"bins", score.bins[c]}, {"correlation", number(score.correlation[c])}});
        const nlohmann::json j = {{"tool", "spikeforge calcium eval"},
                                  {"version", core::version},
                                  {"created_utc", core::utc_now_iso8601()},
                                  {"command_line", own_command_line()},
                                  {"prediction", o.prediction},
                                  {"truth", o.truth},
                                  {"metric", "pearson correlation of binned sums (Spikefinder)"},
                                  {"bin_samples", o.bin},
                                  {"bin_ms", bin_ms},
                                  {"rate_hz", truth.rate_hz},
                                  {"neurons", neurons},
                                  {"mean", number(score.mean)}};
        if (o.json_out == "-")
            fmt::print("{}\n", j.dump(2));
        else
            io::write_text_atomically(o.json_out, j.dump(2) + "\n");
    }
    return 0;
}

int run_infer(const infer_cli& o) {
    if (o.method != "cnn")
        throw core::config_error(fmt::format("--method {}: not available yet (only cnn in this release)", o.method));
    check_output_dir(o.out);
    const auto model = calcium::load_named_model(o.model);
    const auto traces = calcium::read_spikefinder_csv(o.in);
    calcium::trace_table pred;
    pred.names = traces.names;
    pred.rate_hz = traces.rate_hz;
    const auto start = std::chrono::steady_clock::now();
    std::size_t samples = 0;
    for (std::size_t c = 0; c < traces.neurons(); ++c) {
        const auto& column = traces.columns[c];
        for (std::size_t i = 0; i < column.size(); ++i)
            if (std::isnan(column[i]))
                throw core::input_error(fmt::format("{}: column '{}', sample {} (line {}): NaN inside the trace; expected "
                                                    "numbers up to the column's end (padding only after it)",
                                                    o.in, traces.names[c], i, i + 2));
        const auto y = calcium::elephant_predict(model, column);
        pred.columns.emplace_back(y.begin(), y.end());
        samples += column.size();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    calcium::write_spikefinder_csv(o.out, pred, {.float32 = true});
    if (!o.quiet)
        fmt::print("{}: {} neurons, {} samples, model {} (window {} samples, {} before) -> {} ({:.0f} samples/s)\n", o.in,
                   traces.neurons(), samples, model.name, model.window(), model.before(), o.out,
                   seconds > 0 ? static_cast<double>(samples) / seconds : 0.0);
    return 0;
}

}  // namespace

command_runner add_calcium(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("calcium", "Calcium imaging: spike inference (Elephant CNN) and the Spikefinder metric");
    cmd->require_subcommand(1);
    cmd->footer("Traces are Spikefinder CSV: header 0,1,2,..., one column per neuron, 100 Hz rows, shorter columns\n"
                "padded with empty fields. See docs/calcium.md.");

    auto e = std::make_shared<eval_cli>();
    CLI::App* eval = cmd->add_subcommand("eval", "Spikefinder score: per-neuron correlation of binned predictions and truth");
    eval->footer("Per neuron: drop samples where either file is NaN, sum into non-overlapping --bin-sample bins from\n"
                 "sample 0 (a trailing partial bin is dropped), Pearson correlation. The mean skips NaN neurons.");
    eval->add_option("prediction", e->prediction, "predicted spike rates (Spikefinder CSV)")->required()->check(CLI::ExistingFile);
    eval->add_option("truth", e->truth, "true spike counts (Spikefinder CSV), same columns")->required()->check(CLI::ExistingFile);
    eval->add_option("--bin", e->bin, "samples per bin (default 4 = 40 ms at 100 Hz)");
    eval->add_option("--json", e->json_out, "also write the scores as JSON to FILE (- : JSON on stdout, no table)");
    eval->add_flag("--quiet,-q", e->quiet, "no table on stdout");

    auto i = std::make_shared<infer_cli>();
    CLI::App* infer = cmd->add_subcommand("infer", "Spike rates from calcium traces (Spikefinder CSV in and out)");
    infer->footer("--method cnn: the Elephant CNN, each trace z-scored, the output for the 128-sample window starting at\n"
                  "sample j written at j + 32 (the first 32 and last 96 samples are 0). Output columns keep the input's\n"
                  "lengths and padding.");
    infer->add_option("input", i->in, "calcium traces (Spikefinder CSV, 100 Hz)")->required()->check(CLI::ExistingFile);
    infer->add_option("-o,--out", i->out, "predicted spike rates (Spikefinder CSV)")->required();
    infer->add_option("--method", i->method, "inference method: cnn (default)");
    infer->add_option("--model", i->model,
                      "CNN model: elephant-model1 (default; data/calcium/elephant_model1) or a folder with "
                      "NAME_weights.json + NAME_weights_f32le.bin");
    infer->add_flag("--quiet,-q", i->quiet, "no summary line");

    return [eval, infer, e, i] {
        if (eval->parsed()) return run_eval(*e);
        if (infer->parsed()) return run_infer(*i);
        return 0;  // unreachable: require_subcommand(1)
    };
}

}  // namespace sf::cli
