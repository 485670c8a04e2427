// Calcium traces in the formats users have (docs/calcium.md, "Trace files"):
//   .csv          Spikefinder CSV (samples in rows, one column per neuron, empty-field padding)
//   .npy          a 2-D float/int array, one ROW per neuron (suite2p's F.npy, CaImAn's C), or 1-D
//                 for one neuron; NaN at the end of a row pads a shorter trace
//   .h5 / .hdf5   a 2-D dataset (neurons x samples) named by --dataset (default: "traces", or
//                 the file's only 2-D dataset at the root); attribute rate_hz if present
// and the preprocessing a raw trace needs before a model sees it: resampling to the model's
// frame rate and back, and dF/F against a running-percentile baseline.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "calcium/spikefinder_csv.hpp"

namespace sf::calcium {

enum class trace_format { csv, npy, hdf5 };

// By extension (.csv, .npy, .h5/.hdf5); anything else is a core::config_error naming the path.
trace_format trace_format_of(const std::filesystem::path& path);

struct trace_read_options {
    std::optional<double> rate_hz{};  // [Hz] frame rate; overrides the file's (CSV: 100, HDF5: rate_hz attribute, NPY: 100)
    std::string dataset{};          // HDF5 dataset path; empty: "traces" or the only 2-D dataset at the root
};

// Reads any of the formats above into per-neuron columns (own lengths, padding dropped).
// Malformed files: core::input_error of one line (file, place, what was expected).
trace_table read_traces(const std::filesystem::path& path, const trace_read_options& options = {});

struct trace_write_options {
    bool float32 = false;  // CSV: shortest float32 text; NPY/HDF5: float32 elements ('<f4')
};

// Writes atomically in the format of the path's extension: CSV as Spikefinder; NPY/HDF5 as a
// neurons x samples matrix padded with NaN (HDF5: dataset "traces", attributes rate_hz and
// names, the column names in order).
void write_traces(const std::filesystem::path& path, const trace_table& table, const trace_write_options& options = {});

// Linear interpolation of a trace sampled at `from_hz` onto a grid at `to_hz` starting at the same
// time: sample i of the output is at i / to_hz seconds; the output covers the input's duration
// (floor((n - 1) * to_hz / from_hz) + 1 samples). Downsampling first averages the input over the
// output's sample period (a boxcar anti-aliasing filter), so spikes are not lost between samples.
std::vector<double> resample_trace(std::span<const double> trace, double from_hz, double to_hz);

// Resampling back to a given length (the inverse grid of resample_trace): the output has exactly
// `length` samples at `to_hz`, interpolated from `trace` at `from_hz`; values past the end of the
// trace repeat its last sample. A model's rates, when upsampled, keep their per-sample scale.
std::vector<double> resample_to_length(std::span<const double> trace, double from_hz, double to_hz, std::size_t length);

// Gaussian smoothing with sd `sigma_samples`, kernel truncated at 4 sd and the trace mirrored at
// its ends (scipy.ndimage.gaussian_filter1d's defaults, mode 'reflect'). sigma <= 0: a copy.
std::vector<double> gaussian_smooth(std::span<const double> trace, double sigma_samples);

// The running `percentile` (0..100) of a trace over a centred window of `window` samples
// (shorter at the ends): exact at the centre of every block of window/10 samples, linear in
// between, so O(T log w)-ish (O(10 T) selections) rather than O(T w).
std::vector<double> running_percentile(std::span<const double> trace, std::size_t window, double percentile);

// dF/F = (F - F0) / F0 with F0 the running `percentile` (0..100) of F over a centred window of
// `window_s` seconds (running_percentile). F0 <= 0 (not a raw fluorescence trace) is a core::input_error naming `what`.
std::vector<double> delta_f_over_f(std::span<const double> trace, double rate_hz, double window_s, double percentile,
                                   const std::string& what);

}  // namespace sf::calcium
