// Spike inference over a table of traces (`calcium infer`, docs/calcium.md): optional dF/F
// preprocessing of raw fluorescence, resampling to the method's frame rate and back, then OASIS
// or a CNN per neuron (neurons in parallel; each neuron's result is independent of the thread
// count).
#pragma once

#include <optional>
#include <string>

#include "calcium/oasis.hpp"
#include "calcium/spikefinder_csv.hpp"

namespace sf::calcium {

enum class inference_method { oasis, cnn };

struct infer_options {
    inference_method method = inference_method::cnn;
    std::string model = "spikeforge-default";  // CNN: a named model or a folder (load_named_model)
    oasis_options oasis;                       // OASIS parameters (anything absent is estimated)
    bool oasis_calcium = false;                // OASIS: output the denoised calcium c instead of spikes s
    // OASIS: Gaussian smoothing of the spikes [ms, sd] at the data's rate. Sparse spikes placed a
    // sample early or late lose correlation at 40 ms; 80 ms was chosen by leave-one-dataset-out
    // cross-validation on Spikefinder 4/5/6 (docs/calcium.md). 0: the spikes as deconvolved.
    double smooth_ms = 80.0;
    std::optional<double> model_rate_hz{};     // the rate the method runs at; CNN default 100 Hz, OASIS: each trace's effective rate
    double max_decay_s = 2.0;                  // OASIS: [s] slowest decay an estimate may give (0: no limit; docs/calcium.md)
    double drift_window_s = 30.0;              // OASIS: [s] running-percentile drift removal (0: off; see oasis_options)
    bool delta_f = false;                      // preprocess raw fluorescence to dF/F first
    double delta_f_window_s = 60.0;            // [s] running-percentile baseline window
    double delta_f_percentile = 8.0;           // percentile (0..100) of F taken as F0
    int threads = 1;
    std::string source;                        // file name for error messages
};

struct infer_summary {
    std::size_t samples = 0;       // input samples processed (all neurons)
    double method_seconds = 0.0;   // time in the method itself (summed over neurons)
    std::vector<double> rates_hz;  // per neuron, the rate the method ran at [Hz]
    std::vector<oasis_result> oasis;  // per neuron, OASIS's estimated parameters (c, s emptied)
};

// Predicted spikes for every column of `traces` (same names, lengths and rate as the input).
// A NaN inside a trace (before its end) is a core::input_error naming the source, neuron and
// sample; options out of range are core::config_error.
trace_table infer_spikes(const trace_table& traces, const infer_options& options, infer_summary* summary = nullptr);

}  // namespace sf::calcium
