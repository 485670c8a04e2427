// `spikeforge calcium ...`: spike inference from calcium imaging (issue 6, seed 002).
// `calcium eval` scores predictions with the Spikefinder metric (src/calcium/spikefinder_metric);
// `calcium infer --method cnn` runs the Elephant CNN (src/calcium/elephant_cnn) over Spikefinder
// CSV traces. Formats, the metric's definition and the CNN: docs/calcium.md.
#include <fmt/format.h>

#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "calcium/infer.hpp"
#include "calcium/trace_io.hpp"
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
    std::string method = "cnn", model = "spikeforge-default", in, out, dataset, preprocess = "none", g, report;
    std::optional<double> fps, model_fps, sigma, lambda, baseline;
    double s_min = 0.0, dff_window = 60.0, dff_percentile = 8.0, drift_window = 30.0, smooth_ms = 80.0, max_decay = 2.0;
    int order = 1, threads = 1;
    bool calcium = false, float64 = false, quiet = false;
};

int run_eval(const eval_cli& o) {
    if (o.bin == 0) throw core::config_error("--bin 0: the bin width must be at least 1 sample");
    if (!o.json_out.empty() && o.json_out != "-") check_output_parent(o.json_out);
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
            neurons.push_back({{"name", truth.names[c]}, {"bins", score.bins[c]}, {"correlation", json_number(score.correlation[c])}});
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
                                  {"mean", json_number(score.mean)}};
        if (o.json_out == "-")
            fmt::print("{}\n", j.dump(2));
        else
            io::write_text_atomically(o.json_out, j.dump(2) + "\n");
    }
    return 0;
}

calcium::inference_method parse_method(const std::string& name) {
    if (name == "cnn") return calcium::inference_method::cnn;
    if (name == "oasis") return calcium::inference_method::oasis;
    throw core::config_error(fmt::format("--method {}: unknown; expected oasis or cnn", name));
}

// --g G1 or G1,G2 (AR coefficients per sample at the rate OASIS runs at).
void parse_ar(const std::string& text, calcium::oasis_options& oasis) {
    if (text.empty()) return;
    const auto parts = split_commas(text);
    if (parts.size() != static_cast<std::size_t>(oasis.order))
        throw core::config_error(fmt::format("--g {}: {} values for --order {}; expected one per AR coefficient", text,
                                             parts.size(), oasis.order));
    oasis.g1 = std::stod(parts[0]);
    if (parts.size() == 2) oasis.g2 = std::stod(parts[1]);
}

calcium::infer_options infer_options_from(const infer_cli& o) {
    calcium::infer_options options;
    options.method = parse_method(o.method);
    options.model = o.model;
    options.oasis.order = o.order;
    if (o.order != 1 && o.order != 2) throw core::config_error(fmt::format("--order {}: expected 1 or 2", o.order));
    parse_ar(o.g, options.oasis);
    options.oasis.sigma = o.sigma;
    options.oasis.lambda = o.lambda;
    options.oasis.baseline = o.baseline;
    options.oasis.s_min = o.s_min;
    options.oasis_calcium = o.calcium;
    options.model_rate_hz = o.model_fps;
    options.drift_window_s = o.drift_window;
    options.smooth_ms = o.smooth_ms;
    options.max_decay_s = o.max_decay;
    if (o.preprocess != "none" && o.preprocess != "dff")
        throw core::config_error(fmt::format("--preprocess {}: expected none or dff", o.preprocess));
    options.delta_f = o.preprocess == "dff";
    options.delta_f_window_s = o.dff_window;
    options.delta_f_percentile = o.dff_percentile;
    options.threads = o.threads;
    options.source = o.in;
    return options;
}

// What each neuron's inference used (OASIS: the estimated parameters), as JSON.
void write_infer_report(const infer_cli& o, const calcium::trace_table& pred, const calcium::infer_summary& summary) {
    nlohmann::json neurons = nlohmann::json::array();
    for (std::size_t n = 0; n < pred.neurons(); ++n) {
        nlohmann::json j = {{"name", pred.names[n]}, {"samples", pred.columns[n].size()}, {"method_rate_hz", summary.rates_hz[n]}};
        if (o.method == "oasis") {
            const auto& f = summary.oasis[n];
            j["order"] = f.ar.order, j["g1"] = f.ar.g1, j["g2"] = f.ar.g2, j["noise_sd"] = f.sigma;
            j["baseline"] = f.baseline, j["lambda"] = f.lambda;
        }
        neurons.push_back(j);
    }
    const nlohmann::json j = {{"tool", "spikeforge calcium infer"}, {"version", core::version},
                              {"created_utc", core::utc_now_iso8601()}, {"command_line", own_command_line()},
                              {"input", o.in}, {"output", o.out}, {"method", o.method},
                              {"model", o.method == "cnn" ? nlohmann::json(o.model) : nlohmann::json(nullptr)},
                              {"rate_hz", pred.rate_hz}, {"neurons", neurons},
                              {"samples_per_second_per_core", summary.method_seconds > 0 ? static_cast<double>(summary.samples) / summary.method_seconds : 0.0}};
    io::write_text_atomically(o.report, j.dump(2) + "\n");
}

int run_infer(const infer_cli& o) {
    const auto options = infer_options_from(o);
    calcium::trace_format_of(o.out);  // an unknown output type fails before the work
    check_output_parent(o.out);
    if (!o.report.empty()) check_output_parent(o.report);
    const auto traces = calcium::read_traces(o.in, {.rate_hz = o.fps, .dataset = o.dataset});
    calcium::infer_summary summary;
    const auto pred = calcium::infer_spikes(traces, options, &summary);
    calcium::write_traces(o.out, pred, {.float32 = options.method == calcium::inference_method::cnn && !o.float64});
    if (!o.report.empty()) write_infer_report(o, pred, summary);
    if (!o.quiet) {
        const std::string what = options.method == calcium::inference_method::cnn ? "cnn, model " + o.model : "oasis";
        fmt::print("{}: {} neurons, {} samples at {:g} Hz, {} -> {} ({:.0f} samples/s per core)\n", o.in,
                   traces.neurons(), summary.samples, traces.rate_hz, what, o.out,
                   summary.method_seconds > 0 ? static_cast<double>(summary.samples) / summary.method_seconds : 0.0);
        for (std::size_t n = 0; n < summary.oasis.size() && options.method == calcium::inference_method::oasis; ++n) {
            const auto& f = summary.oasis[n];
            fmt::print("  neuron {}: at {:.4g} Hz, AR({}) g = {:.5f}{}, noise sd {:.4g}, baseline {:.4g}, lambda {:.4g}\n",
                       pred.names[n], summary.rates_hz[n], f.ar.order, f.ar.g1, f.ar.order == 2 ? fmt::format(", {:.5f}", f.ar.g2) : "",
                       f.sigma, f.baseline, f.lambda);
        }
    }
    return 0;
}

// `calcium train` runs the spikeforge-calcium-train executable beside this one with the same
// arguments (only that process loads libtorch; see calcium_train_main.cpp). Its options and help
// are that program's: everything after `train` is passed on as it is.
std::pair<CLI::App*, command_runner> add_calcium_train_launcher(CLI::App* calcium) {
    CLI::App* train = calcium->add_subcommand("train", "Train the CNN on ground-truth calcium + spike pairs (libtorch; see "
                                                       "`calcium train --help`)");
    train->prefix_command();
    train->set_help_flag();
    return {train, command_runner([train]() -> int {
                const auto self = std::filesystem::read_symlink("/proc/self/exe");
                const auto program = (self.parent_path() / "spikeforge-calcium-train").string();
                std::vector<std::string> args{program, "train"};
                for (const auto& a : train->remaining()) args.push_back(a);
                std::vector<char*> argv;
                for (auto& a : args) argv.push_back(a.data());
                argv.push_back(nullptr);
                std::fflush(stdout);
                ::execv(program.c_str(), argv.data());
                throw core::error(fmt::format("cannot run {}: {} (build it with the spikeforge target)", program,
                                              std::strerror(errno)));
            })};
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
    CLI::App* infer = cmd->add_subcommand("infer", "Spike rates from calcium traces (OASIS deconvolution or a CNN)");
    infer->footer("Files: .csv (Spikefinder), .npy or .h5 (neurons x samples, NaN-padded); the output's type follows -o.\n"
                  "--method cnn: the CNN runs at 100 Hz (traces at other rates are resampled there and back), each trace\n"
                  "z-scored; the output for the 128-sample window starting at sample j is written at j + 32.\n"
                  "--method oasis: AR(1)/AR(2) deconvolution; noise sd, AR coefficients, sparsity and baseline are\n"
                  "estimated unless given. Output columns keep the input's lengths and padding. See docs/calcium.md.");
    infer->add_option("input", i->in, "calcium traces (.csv, .npy, .h5)")->required()->check(CLI::ExistingFile);
    infer->add_option("-o,--out", i->out, "predicted spikes (.csv, .npy, .h5)")->required();
    infer->add_option("--method", i->method, "oasis | cnn (default)");
    infer->add_option("--model", i->model,
                      "CNN model: spikeforge-default (default), elephant-model1, or a folder with NAME_weights.json + "
                      "NAME_weights_f32le.bin");
    infer->add_option("--fps", i->fps, "frame rate of the input [Hz] (default: the file's; CSV and NPY: 100)");
    infer->add_option("--dataset", i->dataset, "HDF5 input: the dataset (default 'traces' or the only 2-D dataset)");
    infer->add_option("--preprocess", i->preprocess, "none (default) | dff: raw fluorescence to dF/F with a running-percentile F0");
    infer->add_option("--dff-window", i->dff_window, "dF/F baseline window [s] (default 60)");
    infer->add_option("--dff-percentile", i->dff_percentile, "dF/F baseline percentile (default 8)");
    infer->add_option("--model-fps", i->model_fps, "rate the method runs at [Hz] (CNN default 100; OASIS default: the input's)");
    infer->add_option("--order", i->order, "OASIS: AR order 1 (default) or 2");
    infer->add_option("--g", i->g, "OASIS: AR coefficient(s) per sample, G1 or G1,G2 (default: estimated)");
    infer->add_option("--sigma", i->sigma, "OASIS: noise sd in trace units (default: from the power spectrum)");
    infer->add_option("--lambda", i->lambda, "OASIS: sparsity penalty (default: from the noise constraint)");
    infer->add_option("--baseline", i->baseline, "OASIS: baseline in trace units (default: estimated)");
    infer->add_option("--s-min", i->s_min, "OASIS: minimum spike size in trace units (default 0)");
    infer->add_option("--drift-window", i->drift_window,
                      "OASIS: remove a running 8th percentile over this many seconds before estimating (default 30; 0: off)");
    infer->add_option("--max-decay", i->max_decay, "OASIS: slowest decay time constant an estimate may give [s] (default 2, chosen by cross-validation; 0: no limit)");
    infer->add_option("--smooth-ms", i->smooth_ms,
                      "OASIS: Gaussian sd [ms] applied to the spikes (default 80, chosen by cross-validation; 0: raw spikes)");
    infer->add_flag("--calcium", i->calcium, "OASIS: write the denoised calcium instead of the spikes");
    infer->add_flag("--float64", i->float64, "CNN: write doubles (default float32, the network's precision)");
    infer->add_option("--report", i->report, "also write what was used per neuron (OASIS: estimated parameters) as JSON");
    infer->add_option("--threads", i->threads, "neurons in parallel (default 1)");
    infer->add_flag("--quiet,-q", i->quiet, "no summary");

    // Further sub-commands from their own files: each pair is (sub-command, its runner).
    auto more = add_calcium_tool_commands(cmd);
    more.push_back(add_calcium_train_launcher(cmd));
    return [eval, infer, e, i, more] {
        if (eval->parsed()) return run_eval(*e);
        if (infer->parsed()) return run_infer(*i);
        for (const auto& [sub, run] : more)
            if (sub->parsed()) return run();
        return 0;  // unreachable: require_subcommand(1)
    };
}

}  // namespace sf::cli
