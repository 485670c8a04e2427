// `spikeforge calcium train`: trains the Elephant CNN on ground-truth pairs (src/calcium/
// cnn_training; libtorch) and writes a model folder that `calcium infer --model DIR` reads.
// docs/calcium.md, "Training".
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "calcium/cnn_training.hpp"
#include "calcium/trace_io.hpp"
#include "calcium/trace_stats.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "core/provenance.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"

namespace sf::cli {

namespace {

struct train_cli {
    std::vector<std::string> data, validate;
    std::string out, name, weights, select, init;
    calcium::training_options options;
    bool quiet = false;
};

// Per-set sampling weights: --weights w1,w2,... or, with --select TARGET, from the similarity of
// trace statistics between each training set and the target recording.
void apply_weights(const train_cli& o, std::vector<calcium::training_set>& sets) {
    if (!o.weights.empty() && !o.select.empty()) throw core::config_error("--weights and --select exclude each other");
    std::vector<double> w;
    if (!o.weights.empty()) {
        for (const auto& text : split_commas(o.weights)) w.push_back(std::stod(text));
        if (w.size() != sets.size())
            throw core::config_error(fmt::format("--weights: {} values for {} training sets; expected one per set", w.size(),
                                                 sets.size()));
        for (const double v : w)
            if (!(v >= 0.0)) throw core::config_error("--weights must be >= 0");
    } else if (!o.select.empty()) {
        const auto target = calcium::mean_statistics(calcium::table_statistics(calcium::read_traces(o.select)));
        std::vector<std::vector<double>> training;
        for (const auto& set : sets) training.push_back(calcium::mean_statistics(calcium::table_statistics(set.calcium)));
        w = calcium::similarity_weights(training, target);
    }
    for (std::size_t i = 0; i < w.size(); ++i) sets[i].weight = w[i];
}

std::vector<calcium::training_set> load_all(const std::vector<std::string>& paths) {
    std::vector<calcium::training_set> sets;
    for (const auto& p : paths)
        for (auto& s : calcium::load_training_sets(p)) sets.push_back(std::move(s));
    return sets;
}

void check_model_folder(const std::filesystem::path& dir, const std::string& name) {
    io::check_writable_dir(dir);
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string f = e.path().filename().string();
        if (f.ends_with("_weights.json") && f != name + "_weights.json")
            throw core::config_error(fmt::format("-o {}: already holds another model ({}); expected an empty folder or this "
                                                 "model's own files",
                                                 dir.string(), f));
    }
}

int run_train(const train_cli& o) {
    const std::filesystem::path dir(o.out);
    const std::string name = o.name.empty() ? dir.filename().string() : o.name;
    check_model_folder(dir, name);
    auto sets = load_all(o.data);
    const auto validation = load_all(o.validate);
    apply_weights(o, sets);
    nlohmann::json history = nlohmann::json::array();
    const auto report = [&](const calcium::epoch_report& r) {
        nlohmann::json v = nlohmann::json::object();
        for (std::size_t i = 0; i < r.validation.size(); ++i) v[validation[i].name] = r.validation[i];
        history.push_back({{"epoch", r.epoch}, {"loss", r.loss}, {"seconds", r.seconds}, {"validation", v}});
        if (o.quiet) return;
        std::string scores;
        for (std::size_t i = 0; i < r.validation.size(); ++i) scores += fmt::format(", {} {:.3f}", validation[i].name, r.validation[i]);
        fmt::print("epoch {}/{}: loss {:.5f}{} ({:.1f} s)\n", r.epoch, o.options.epochs, r.loss, scores, r.seconds);
        std::fflush(stdout);
    };
    auto options = o.options;
    std::optional<calcium::elephant_model> initial;
    if (!o.init.empty()) initial = calcium::load_named_model(o.init), options.initial = &*initial;
    const auto model = calcium::train_cnn(sets, validation, options, report);
    nlohmann::json data = nlohmann::json::array();
    for (const auto& s : sets) data.push_back({{"name", s.name}, {"neurons", s.calcium.neurons()}, {"weight", s.weight}});
    const nlohmann::json metadata = {
        {"tool", "spikeforge calcium train"}, {"version", core::version}, {"created_utc", core::utc_now_iso8601()},
        {"command_line", own_command_line()}, {"data", data}, {"seed", o.options.seed},
        {"initial_weights", o.init.empty() ? nlohmann::json("Glorot uniform (seeded)") : nlohmann::json(o.init)},
        {"recipe", {{"epochs", o.options.epochs}, {"learning_rate", o.options.learning_rate}, {"optimizer", "Adagrad"},
                    {"loss", "mean squared error"}, {"target", "spike counts, Gaussian sd 2 samples, z-scored"},
                    {"segment_outputs", o.options.segment_outputs}, {"segments_per_step", o.options.segments_per_step},
                    {"micro_batches", o.options.micro_batches}, {"rate_hz", 100}}},
        {"history", history}};
    calcium::save_elephant_model(model, dir, name, metadata.dump());
    if (!o.quiet) fmt::print("model -> {} ({}_weights.json, {}_weights_f32le.bin)\n", dir.string(), name, name);
    return 0;
}

}  // namespace

std::vector<std::pair<CLI::App*, command_runner>> add_calcium_training_commands(CLI::App* calcium) {
    auto t = std::make_shared<train_cli>();
    CLI::App* train = calcium->add_subcommand("train", "Train the CNN on ground-truth calcium + spike pairs (libtorch)");
    train->footer("--data PREFIX reads PREFIX.calcium.csv + PREFIX.spikes.csv (Spikefinder, 100 Hz); a folder reads every\n"
                  "such pair in it. Inputs z-scored, targets the spike counts smoothed (Gaussian sd 2 samples) and\n"
                  "z-scored, MSE, Adagrad; the network trained fully convolutionally over trace segments. Same seed =>\n"
                  "same weights, whatever --threads. The folder -o is a model for calcium infer --model.");
    train->add_option("--data", t->data, "training pairs: prefixes or folders")->required();
    train->add_option("-o,--out", t->out, "model folder")->required();
    train->add_option("--name", t->name, "model file name (default: the folder's name)");
    train->add_option("--validate", t->validate, "pairs scored (Spikefinder correlation at 40 ms) after every epoch");
    train->add_option("--epochs", t->options.epochs, "epochs (default 15)");
    train->add_option("--learning-rate", t->options.learning_rate, "Adagrad learning rate (default 0.01)");
    train->add_option("--seed", t->options.seed, "seed of the initial weights and of the segments (default 1)");
    train->add_option("--threads", t->options.threads, "threads (default 1); the result does not depend on them");
    train->add_option("--segment", t->options.segment_outputs, "outputs per training segment (default 512)");
    train->add_option("--segments-per-step", t->options.segments_per_step, "segments per Adagrad step (default 16)");
    train->add_option("--steps-per-epoch", t->options.max_steps_per_epoch,
                      "cap on the steps of an epoch (default: every training sample once on average)");
    train->add_option("--init", t->init, "start from this model's weights (fine-tuning), e.g. elephant-model1");
    train->add_option("--weights", t->weights, "sampling weight per training set, w1,w2,... (default 1 each)");
    train->add_option("--select", t->select,
                      "weight the training sets by the similarity of their trace statistics to this recording");
    train->add_flag("--quiet,-q", t->quiet, "no progress lines");
    return {{train, [t] { return run_train(*t); }}};
}

}  // namespace sf::cli
