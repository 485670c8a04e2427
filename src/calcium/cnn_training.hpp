// Training the Elephant CNN on ground-truth pairs (`calcium train`, docs/calcium.md "Training").
//
// The network is trained in the form inference evaluates it: fully convolutional over segments
// of a trace (conv1, conv2, a stride-1 max of neighbours, conv3 dilated by 2, a stride-1 max at
// distance 2, the per-step dense layer as a width-1 convolution, the output layer as a width-14
// convolution dilated by 4), so a segment of L + 127 samples gives the outputs of L windows at
// once, with the very parameters of the windowed Keras network (exported in its layout).
// Per output this is ~117 k multiply-adds instead of the 5.6 M of one separate window.
//
// Recipe (Spikefinder-Elephant's, measured by cross-validation in bench/RESULTS.md): inputs each
// trace z-scored, targets the spike counts smoothed with a Gaussian of sd 2 samples and z-scored,
// mean squared error, Adagrad. Reproducible: the same seed gives the same weights whatever the
// thread count (fixed micro-batches, each computed single-threaded, gradients summed in order).
// libtorch (Debian libtorch-dev) is used only inside cnn_training.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "calcium/elephant_cnn.hpp"
#include "calcium/spikefinder_csv.hpp"

namespace sf::calcium {

// One dataset of simultaneous calcium and spike counts (same neurons, same lengths, 100 Hz).
struct training_set {
    std::string name;
    trace_table calcium, spikes;
    double weight = 1.0;  // sampling weight relative to the other sets (per sample)
};

// PATH.calcium.csv + PATH.spikes.csv for a prefix PATH, or every such pair in a folder (sorted by
// name). Mismatched neuron counts, lengths or rates: core::input_error naming both files.
std::vector<training_set> load_training_sets(const std::string& prefix_or_folder);

// Gaussian-smoothed (sd `sigma` samples) and z-scored spike counts: the regression target.
std::vector<float> training_targets(std::span<const double> counts, double sigma = 2.0);
// (x - mean) / (std + 1e-7): the network's input normalisation (as elephant_predict does).
std::vector<float> zscored(std::span<const double> trace);

struct training_options {
    std::size_t epochs = 15;
    double learning_rate = 0.01;          // Adagrad
    std::uint64_t seed = 1;
    int threads = 1;
    std::size_t segment_outputs = 512;    // outputs (windows) per segment
    std::size_t segments_per_step = 16;   // segments per optimizer step
    std::size_t micro_batches = 4;        // fixed split of a step (the unit of parallel work)
    double target_sigma = 2.0;            // [samples] Gaussian sd of the targets
    std::size_t max_steps_per_epoch = 0;  // 0: one epoch covers every training sample once on average
    const elephant_model* initial = nullptr;  // start from these weights (fine-tuning) instead of Glorot
};

struct epoch_report {
    std::size_t epoch = 0;
    double loss = 0.0;        // mean training loss over the epoch's steps
    double seconds = 0.0;     // wall time of the epoch
    std::vector<double> validation;  // per validation set: mean Spikefinder correlation at 40 ms
};

// Trains from the seed's initial weights (Glorot uniform, zero biases, as Keras) or from
// options.initial (Elephant sizes). Calls `progress`
// after every epoch. Throws core::config_error for options out of range and core::input_error
// when no neuron is long enough for one segment.
elephant_model train_cnn(const std::vector<training_set>& train, const std::vector<training_set>& validate,
                         const training_options& options, const std::function<void(const epoch_report&)>& progress);

// The training network's own forward pass (libtorch, fully convolutional) on a whole trace, with
// the weights of `model` (Elephant sizes): placed like elephant_predict (window j at j + 32, the
// first 32 and last 96 outputs 0). A check of the export layout and of the training form.
std::vector<float> torch_predict(const elephant_model& model, std::span<const double> trace);

// The mean Spikefinder correlation (40 ms) of `model` on a set.
double validation_score(const elephant_model& model, const training_set& set);

}  // namespace sf::calcium
