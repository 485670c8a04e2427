// The Elephant CNN (Spikefinder-Elephant, Rupprecht et al.; docs/calcium.md): spike rates from
// a calcium trace at 100 Hz. For output sample i the network sees the 128-sample window that
// starts at j = i - 32 (32 samples before, 96 after):
//
//     Conv1D 50x41 ReLU -> Conv1D 60x21 ReLU -> MaxPool 2 -> Conv1D 70x7 ReLU -> MaxPool 2
//     -> Dense 300 ReLU per time step (14 steps) -> Flatten -> Dense 1 (linear)
//
// Evaluated over a whole trace, not window by window: the convolutions of all windows are one
// convolution of the trace; window j's pooled sample v is max(c2[j+2v], c2[j+2v+1]), so pooling
// becomes a stride-1 max of neighbours, and every later layer runs once per trace position with
// its taps dilated (conv3 by 2, the final dense layer reads positions j, j+4, ..., j+52).
// Every layer thus runs once per sample, whichever pooling phase (even/odd j) a window has.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace sf::calcium {

// The weights in Keras layout: conv kernels [k][in][out] (cross-correlation), dense [in][out].
struct elephant_model {
    std::string name;  // the model name or the folder it was read from
    std::size_t k1 = 0, k2 = 0, k3 = 0;  // kernel sizes (41, 21, 7)
    std::size_t c1 = 0, c2 = 0, c3 = 0;  // channels (50, 60, 70)
    std::size_t dense = 0;               // units of the per-step dense layer (300)
    std::size_t steps = 0;               // time steps into the flatten layer (14)
    std::vector<float> w1, b1, w2, b2, w3, b3, wd, bd, wo;
    float bo = 0.0f;

    std::size_t window() const noexcept;  // input samples per output (128)
    std::size_t before() const noexcept { return window() / 4; }  // samples before the output (32)
};

// The folder of spikeforge's data (data/ in the source tree; $SPIKEFORGE_DATA_DIR overrides).
std::filesystem::path data_dir();

// Reads `<prefix>.json` + `<prefix>_f32le.bin` style pairs: the JSON lists tensors (layer,
// param kernel|bias, shape, offset_floats; total_floats) of the raw little-endian float32 file.
// Shapes are checked against the architecture above (sizes may differ, the chain must fit).
// Malformed files: core::input_error naming the file and what was expected.
elephant_model load_elephant_model(const std::filesystem::path& json_path, const std::filesystem::path& weights_path);

// A model by name (`elephant-model1` = data/calcium/elephant_model1) or a folder holding one
// `*_weights.json` and its `*_weights_f32le.bin`. Unknown name / missing folder: core::config_error.
elephant_model load_named_model(const std::string& name_or_dir);

// Writes `model` as DIR/NAME_weights.json + DIR/NAME_weights_f32le.bin (the layout load_elephant_model
// reads), each atomically; DIR is created. `metadata` (a JSON object, may be empty) is stored in
// the JSON under "metadata" (recipe, seed, data, scores).
void save_elephant_model(const elephant_model& model, const std::filesystem::path& dir, const std::string& name,
                         const std::string& metadata_json = "{}");

// Spike-rate prediction for one trace of any length (NaN-free): the trace is z-scored,
// (x - mean) / (std + 1e-7) with the population std of the whole trace; output i holds the
// window starting at i - before(); the first before() and last window() - before() outputs are 0
// (windows start at j = 0 .. n - window() - 1, as Elephant's own loop; traces of at most
// window() samples give all zeros).
std::vector<float> elephant_predict(const elephant_model& model, std::span<const double> trace);

}  // namespace sf::calcium
