#include "calcium/cnn_training.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "calcium/spikefinder_metric.hpp"
#include "calcium/trace_io.hpp"
#include "core/error.hpp"
#include "core/parallel_for.hpp"
#include "core/rng.hpp"

namespace sf::calcium {

namespace {

// The Elephant architecture's sizes (docs/calcium.md).
constexpr std::int64_t k1 = 41, k2 = 21, k3 = 7, c1 = 50, c2 = 60, c3 = 70, dense = 300, steps = 14;
constexpr std::int64_t window = 128, before = 32;

// Parameters in torch layout: conv [out][in][k]; the per-step dense layer as a width-1 conv
// [300][70][1]; the output layer as a width-14 conv dilated by 4, [1][300][14].
using parameters = std::vector<torch::Tensor>;

torch::Tensor forward(const parameters& p, const torch::Tensor& x) {
    const std::int64_t one = 1, none = 0, two = 2, four = 4;  // IntArrayRef of one value each
    const at::IntArrayRef stride(one), padding(none), dilation2(two), dilation4(four);
    auto h = torch::relu(torch::conv1d(x, p[0], p[1]));
    h = torch::relu(torch::conv1d(h, p[2], p[3]));
    h = torch::max_pool1d(h, {2}, {1});  // window j's pool = max of neighbours at j + 2v
    h = torch::relu(torch::conv1d(h, p[4], p[5], stride, padding, dilation2));
    h = torch::max_pool1d(h, {2}, {1}, {0}, {2});
    h = torch::relu(torch::conv1d(h, p[6], p[7]));
    return torch::conv1d(h, p[8], p[9], stride, padding, dilation4);
}

// Glorot uniform (Keras' default) from our own counter-based stream, so initial weights do not
// depend on torch's global generator; biases 0.
torch::Tensor glorot(std::vector<std::int64_t> shape, double fan_in, double fan_out, std::uint64_t seed, std::uint32_t id) {
    const double limit = std::sqrt(6.0 / (fan_in + fan_out));
    const auto n = static_cast<std::size_t>(std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>()));
    std::vector<float> values(n);
    core::rng_stream rng(seed, {core::stream_purpose::cnn_training, 0, id});
    for (float& v : values) v = static_cast<float>((2.0 * rng.uniform() - 1.0) * limit);
    return torch::from_blob(values.data(), shape, torch::kFloat32).clone().requires_grad_(true);
}

parameters initial_parameters(std::uint64_t seed) {
    const auto zeros = [](std::int64_t n) { return torch::zeros({n}, torch::kFloat32).requires_grad_(true); };
    return {glorot({c1, 1, k1}, k1, k1 * c1, seed, 0),          zeros(c1),
            glorot({c2, c1, k2}, k2 * c1, k2 * c2, seed, 1),    zeros(c2),
            glorot({c3, c2, k3}, k3 * c2, k3 * c3, seed, 2),    zeros(c3),
            glorot({dense, c3, 1}, c3, dense, seed, 3),         zeros(dense),
            glorot({1, dense, steps}, dense * steps, 1, seed, 4), zeros(1)};
}

std::vector<float> to_vector(const torch::Tensor& t) {
    const auto c = t.detach().contiguous();
    return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// Torch layout -> the Keras layout elephant_predict and the model files use.
elephant_model to_model(const parameters& p) {
    elephant_model m;
    m.name = "trained";
    m.k1 = k1, m.k2 = k2, m.k3 = k3, m.c1 = c1, m.c2 = c2, m.c3 = c3, m.dense = dense, m.steps = steps;
    m.w1 = to_vector(p[0].permute({2, 1, 0})), m.b1 = to_vector(p[1]);
    m.w2 = to_vector(p[2].permute({2, 1, 0})), m.b2 = to_vector(p[3]);
    m.w3 = to_vector(p[4].permute({2, 1, 0})), m.b3 = to_vector(p[5]);
    m.wd = to_vector(p[6].squeeze(2).t()), m.bd = to_vector(p[7]);
    m.wo = to_vector(p[8][0].t());  // Keras flattens [step][unit]: index z * 300 + u
    m.bo = to_vector(p[9])[0];
    return m;
}

torch::Tensor tensor(const std::vector<float>& values, std::vector<std::int64_t> shape) {
    return torch::from_blob(const_cast<float*>(values.data()), shape, torch::kFloat32).clone();
}

// The Keras layout back to torch's (the inverse of to_model).
parameters from_model(const elephant_model& m) {
    if (m.k1 != k1 || m.k2 != k2 || m.k3 != k3 || m.c1 != c1 || m.c2 != c2 || m.c3 != c3 || m.dense != dense || m.steps != steps)
        throw core::config_error("the training network has the Elephant sizes (41/21/7, 50/60/70, 300 x 14)");
    return {tensor(m.w1, {k1, 1, c1}).permute({2, 1, 0}).contiguous(), tensor(m.b1, {c1}),
            tensor(m.w2, {k2, c1, c2}).permute({2, 1, 0}).contiguous(), tensor(m.b2, {c2}),
            tensor(m.w3, {k3, c2, c3}).permute({2, 1, 0}).contiguous(), tensor(m.b3, {c3}),
            tensor(m.wd, {c3, dense}).t().unsqueeze(2).contiguous(), tensor(m.bd, {dense}),
            tensor(m.wo, {steps, dense}).t().unsqueeze(0).contiguous(), torch::full({1}, m.bo)};
}

// A usable neuron: its normalised trace and targets, and its sampling weight.
struct neuron_data {
    std::vector<float> input, target;
    double weight = 0.0;
};

std::vector<neuron_data> prepare(const std::vector<training_set>& sets, const training_options& o, std::size_t& windows) {
    std::vector<neuron_data> out;
    windows = 0;
    const auto span = static_cast<std::size_t>(static_cast<std::int64_t>(o.segment_outputs) + window - 1);
    for (const auto& set : sets)
        for (std::size_t n = 0; n < set.calcium.neurons(); ++n) {
            const auto& trace = set.calcium.columns[n];
            if (trace.size() < span) continue;  // shorter than one segment
            const std::size_t usable = trace.size() - static_cast<std::size_t>(window) + 1;
            out.push_back({zscored(trace), training_targets(set.spikes.columns[n], o.target_sigma),
                           set.weight * static_cast<double>(usable)});
            windows += usable;
        }
    return out;
}

void check(const training_options& o) {
    if (o.epochs == 0) throw core::config_error("--epochs must be at least 1");
    if (!(o.learning_rate > 0.0)) throw core::config_error("--learning-rate must be positive");
    if (o.segment_outputs == 0 || o.segments_per_step == 0 || o.micro_batches == 0 ||
        o.segments_per_step % o.micro_batches != 0)
        throw core::config_error("segments per step must be a positive multiple of the micro-batches");
    if (o.threads < 1) throw core::config_error("--threads must be at least 1");
}

// The step's segments: (neuron, start) drawn from the step's own stream, so a step's data does not
// depend on the thread count or on earlier steps.
std::vector<std::pair<std::size_t, std::size_t>> draw_segments(const std::vector<neuron_data>& data,
                                                               const std::vector<double>& cumulative, std::size_t count,
                                                               std::size_t span, std::uint64_t seed, std::uint32_t step) {
    core::rng_stream rng(seed, {core::stream_purpose::cnn_training, 1, step});
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (std::size_t i = 0; i < count; ++i) {
        const double u = rng.uniform() * cumulative.back();
        const auto n = static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
        const std::size_t neuron = std::min(n, data.size() - 1);
        out.emplace_back(neuron, static_cast<std::size_t>(rng.below(data[neuron].input.size() - span + 1)));
    }
    return out;
}

}  // namespace

std::vector<float> zscored(std::span<const double> trace) {
    const double n = static_cast<double>(trace.size());
    const double mean = std::accumulate(trace.begin(), trace.end(), 0.0) / n;
    double var = 0.0;
    for (const double v : trace) var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / n) + 1e-7;
    std::vector<float> out(trace.size());
    for (std::size_t i = 0; i < trace.size(); ++i) out[i] = static_cast<float>((trace[i] - mean) / sd);
    return out;
}

std::vector<float> training_targets(std::span<const double> counts, double sigma) {
    const auto smooth = gaussian_smooth(counts, sigma);
    return zscored(smooth);
}

std::vector<training_set> load_training_sets(const std::string& prefix_or_folder) {
    std::vector<std::string> prefixes;
    if (std::filesystem::is_directory(prefix_or_folder)) {
        for (const auto& e : std::filesystem::directory_iterator(prefix_or_folder)) {
            const std::string f = e.path().string();
            if (f.ends_with(".calcium.csv")) prefixes.push_back(f.substr(0, f.size() - 12));
        }
        std::sort(prefixes.begin(), prefixes.end());
        if (prefixes.empty())
            throw core::input_error(fmt::format("{}: no *.calcium.csv files; expected pairs NAME.calcium.csv + NAME.spikes.csv",
                                                prefix_or_folder));
    } else {
        prefixes.push_back(prefix_or_folder);
    }
    std::vector<training_set> sets;
    for (const auto& prefix : prefixes) {
        const std::string cal = prefix + ".calcium.csv", spk = prefix + ".spikes.csv";
        for (const auto& f : {cal, spk})
            if (!std::filesystem::is_regular_file(f))
                throw core::input_error(fmt::format("{}: missing; --data {} expects {} and {}", f, prefix_or_folder, cal, spk));
        training_set set{std::filesystem::path(prefix).filename().string(), read_spikefinder_csv(cal), read_spikefinder_csv(spk)};
        if (set.calcium.neurons() != set.spikes.neurons())
            throw core::input_error(fmt::format("{}: {} neurons, but {} has {}; expected the same neurons", cal,
                                                set.calcium.neurons(), spk, set.spikes.neurons()));
        for (std::size_t n = 0; n < set.calcium.neurons(); ++n) {
            if (set.calcium.columns[n].size() != set.spikes.columns[n].size())
                throw core::input_error(fmt::format("{}: neuron '{}' has {} samples, but {} has {}; expected equal lengths", cal,
                                                    set.calcium.names[n], set.calcium.columns[n].size(), spk,
                                                    set.spikes.columns[n].size()));
            for (const double v : set.calcium.columns[n])
                if (std::isnan(v)) throw core::input_error(fmt::format("{}: neuron '{}': NaN inside the trace", cal, set.calcium.names[n]));
            for (const double v : set.spikes.columns[n])
                if (!(v >= 0.0))
                    throw core::input_error(fmt::format("{}: neuron '{}': spike count {}; expected counts >= 0", spk,
                                                        set.spikes.names[n], v));
        }
        sets.push_back(std::move(set));
    }
    return sets;
}

std::vector<float> torch_predict(const elephant_model& model, std::span<const double> trace) {
    torch::NoGradGuard no_grad;
    std::vector<float> out(trace.size(), 0.0f);
    if (trace.size() <= static_cast<std::size_t>(window)) return out;
    const auto x = zscored(trace);
    const auto y = forward(from_model(model), tensor(x, {1, 1, static_cast<std::int64_t>(x.size())}));
    // windows j = 0 .. n - 128; elephant_predict leaves the last one out, as Elephant's loop does
    const auto values = to_vector(y);
    for (std::size_t j = 0; j + 1 < values.size(); ++j) out[j + before] = values[j];
    return out;
}

double validation_score(const elephant_model& model, const training_set& set) {
    trace_table pred;
    pred.names = set.calcium.names;
    for (const auto& column : set.calcium.columns) {
        const auto y = elephant_predict(model, column);
        pred.columns.emplace_back(y.begin(), y.end());
    }
    return score_spikefinder(pred, set.spikes, spikefinder_bin_samples).mean;
}

elephant_model train_cnn(const std::vector<training_set>& train, const std::vector<training_set>& validate,
                         const training_options& o, const std::function<void(const epoch_report&)>& progress) {
    check(o);
    // Every torch op runs single-threaded in the thread that calls it; our own threads take the
    // micro-batches, so the arithmetic of a micro-batch never depends on the thread count.
    at::set_num_threads(1);
    torch::NoGradGuard no_grad_outside;  // gradients only where asked for below
    std::size_t windows = 0;
    const auto data = prepare(train, o, windows);
    if (data.empty())
        throw core::input_error(fmt::format("no training neuron has {} samples (one segment); expected longer traces",
                                            o.segment_outputs + window - 1));
    std::vector<double> cumulative;
    for (const auto& d : data) cumulative.push_back((cumulative.empty() ? 0.0 : cumulative.back()) + d.weight);
    const std::size_t span = o.segment_outputs + static_cast<std::size_t>(window) - 1;
    std::size_t steps_per_epoch = (windows + o.segments_per_step * o.segment_outputs - 1) / (o.segments_per_step * o.segment_outputs);
    if (o.max_steps_per_epoch > 0) steps_per_epoch = std::min(steps_per_epoch, o.max_steps_per_epoch);

    auto params = o.initial ? from_model(*o.initial) : initial_parameters(o.seed);
    for (auto& p : params) p.requires_grad_(true);
    std::vector<torch::Tensor> accumulator;
    for (const auto& p : params) accumulator.push_back(torch::zeros_like(p));
    const std::size_t per_micro = o.segments_per_step / o.micro_batches;
    const auto L = static_cast<std::int64_t>(o.segment_outputs);

    for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        double loss_sum = 0.0;
        for (std::size_t step = 0; step < steps_per_epoch; ++step) {
            const auto global_step = static_cast<std::uint32_t>((epoch - 1) * steps_per_epoch + step);
            const auto segments = draw_segments(data, cumulative, o.segments_per_step, span, o.seed, global_step);
            std::vector<std::vector<torch::Tensor>> grads(o.micro_batches);
            std::vector<double> losses(o.micro_batches, 0.0);
            core::parallel_for(o.micro_batches, o.threads, [&](std::size_t m) {
                torch::AutoGradMode grad_on(true);
                auto x = torch::empty({static_cast<std::int64_t>(per_micro), 1, static_cast<std::int64_t>(span)});
                auto y = torch::empty({static_cast<std::int64_t>(per_micro), 1, L});
                for (std::size_t i = 0; i < per_micro; ++i) {
                    const auto [neuron, first] = segments[m * per_micro + i];
                    std::copy_n(data[neuron].input.data() + first, span, x[static_cast<std::int64_t>(i)][0].data_ptr<float>());
                    std::copy_n(data[neuron].target.data() + first + before, o.segment_outputs,
                                y[static_cast<std::int64_t>(i)][0].data_ptr<float>());
                }
                const auto loss = torch::mse_loss(forward(params, x), y);
                grads[m] = torch::autograd::grad({loss}, params);
                losses[m] = loss.item<double>();
            });
            // Adagrad on the mean of the micro-batches' gradients, summed in micro-batch order.
            for (std::size_t i = 0; i < params.size(); ++i) {
                auto g = grads[0][i].clone();
                for (std::size_t m = 1; m < o.micro_batches; ++m) g.add_(grads[m][i]);
                g.div_(static_cast<double>(o.micro_batches));
                accumulator[i].addcmul_(g, g);
                params[i].sub_(o.learning_rate * g / (accumulator[i].sqrt() + 1e-10));
            }
            loss_sum += std::accumulate(losses.begin(), losses.end(), 0.0) / static_cast<double>(o.micro_batches);
        }
        epoch_report report;
        report.epoch = epoch;
        report.loss = loss_sum / static_cast<double>(steps_per_epoch);
        if (!validate.empty()) {
            const auto model = to_model(params);
            for (const auto& set : validate) report.validation.push_back(validation_score(model, set));
        }
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (progress) progress(report);
    }
    return to_model(params);
}

}  // namespace sf::calcium
