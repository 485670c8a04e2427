// Spectral and correlation estimates of one trace, shared by OASIS's parameter estimation (noise
// from the power spectrum, AR coefficients from the autocovariance) and `calcium stats`.
// Frequencies are in cycles per sample (0 .. 0.5); multiply by the frame rate for Hz.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

namespace sf::calcium {

// In-place radix-2 FFT (forward, no scaling); the size must be a power of two (checked: throws
// std::invalid_argument otherwise, a programming error).
void fft_radix2(std::span<std::complex<double>> x);

struct power_spectrum {
    std::vector<double> frequency;  // [cycles/sample] 0, 1/n, ..., 1/2
    std::vector<double> density;    // one-sided PSD [units^2 per (cycle/sample)]; white noise of variance v gives 2v
};

// Welch's estimate as scipy.signal.welch(y, fs=1, window='hann', nperseg=min(segment, T),
// noverlap=nperseg/2, detrend='constant', scaling='density'): periodic Hann window, mean of the
// segments' periodograms. The segment length is rounded down to a power of two (scipy's default
// 256 already is one). Traces shorter than 2 samples give an empty spectrum.
power_spectrum welch_psd(std::span<const double> y, std::size_t segment = 256);

// Biased sample autocovariance around the mean, lags 0..max_lag: a[k] = sum_t (y_t - m)(y_{t+k} - m) / T
// (numpy: np.correlate(y - m, y - m, 'full')[T-1:] / T). Lags beyond T-1 are 0.
std::vector<double> autocovariance(std::span<const double> y, std::size_t max_lag);

}  // namespace sf::calcium
