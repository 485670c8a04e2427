// OASIS (Friedrich, Zhou & Paninski 2017, PLoS Comput Biol 13:e1005423): spike inference from a
// fluorescence trace by sparse non-negative deconvolution (docs/calcium.md, "OASIS").
//
// Model: y_t = b + c_t + noise, with calcium c following an autoregressive process driven by
// non-negative spikes s:   AR(1): c_t = g1 c_{t-1} + s_t      AR(2): c_t = g1 c_{t-1} + g2 c_{t-2} + s_t
// Problem (penalized form):   min_c  1/2 |y - b - c|^2 + lambda |s|_1   subject to s_t >= s_min or s_t = 0
// With s_min = 0 the problem is convex and OASIS's pool-adjacent-violators pass solves it
// exactly for AR(1) (for AR(2) it is the paper's greedy pass, exact up to its first-pool
// approximation). With s_min > 0 it is the paper's greedy approximation of the non-convex problem.
//
// Everything the user does not give is estimated: the noise sd from the power spectrum
// (0.25..0.5 cycles/sample), the AR coefficients from the noise-corrected autocovariance, the
// sparsity lambda from the noise constraint |y - b - c|^2 = sigma^2 T, the baseline b jointly.
// One pass is O(T) time (AR(1): amortized O(1) per sample; AR(2): O(1) per merge with the pools'
// exponential sums) and O(T) memory for the output.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace sf::calcium {

// c_t = g1 c_{t-1} + g2 c_{t-2} + s_t (order 1: g2 = 0). Units: per sample.
struct ar_coefficients {
    int order = 1;
    double g1 = 0.0, g2 = 0.0;
};

struct oasis_options {
    int order = 1;                     // 1 or 2
    std::optional<double> g1{}, g2{};  // AR coefficients per sample; estimated when absent
    std::optional<double> sigma{};     // noise sd [trace units]; estimated from the power spectrum when absent
    std::optional<double> lambda{};    // sparsity penalty; absent: chosen so that |y - b - c|^2 = sigma^2 T
    std::optional<double> baseline{};  // b [trace units]; absent: estimated jointly with c
    double s_min = 0.0;                // minimum spike size [trace units]; 0 = convex problem
    std::size_t lags = 5;              // autocovariance lags used to estimate the AR coefficients
    // The slowest decay an estimate may give [samples]: time constants beyond a few seconds are
    // sustained firing or drift, not an indicator's decay. 0: no limit (only 0.9999 per sample).
    double max_decay = 0.0;
    // Slow drifts of the baseline (bleaching, neuropil) look like decays of seconds to the AR
    // estimate: when the baseline is estimated, a running 8th percentile over this many samples
    // is removed first (0: a constant baseline only).
    std::size_t drift_window = 0;
};

struct oasis_result {
    std::vector<double> c;  // denoised calcium [trace units], baseline removed
    std::vector<double> s;  // spikes (non-negative), s_t = c_t - g1 c_{t-1} - g2 c_{t-2}; the first `order` samples are 0
    ar_coefficients ar;
    double baseline = 0.0, sigma = 0.0, lambda = 0.0;
};

// The noise sd from the Welch power density over the upper half of the trace's band, where
// calcium transients have little power: sigma^2 = mean density x band limit (white noise of
// variance v has a one-sided density of 2v over 0..0.5 cycles/sample). The band limit is 0.5
// unless the spectrum falls off a cliff (> 100x within two bins) below it, as it does for a trace
// resampled up from a lower frame rate; then the cliff's frequency. 0 for traces under 4 samples.
double estimate_noise_sd(std::span<const double> y);

// The frame rate a trace really has [Hz]: `rate_hz` unless its spectrum shows it was resampled up
// from a lower rate (the band limit above), then twice the band limit. OASIS runs there: at the
// upsampled rate the noise is correlated over several samples, which the AR and noise estimates
// (made for white noise) cannot tell from calcium.
double effective_rate_hz(std::span<const double> y, double rate_hz);

// AR coefficients from the autocovariance a_k (k = 1..lags) by least squares on the Yule-Walker
// equations a_k = g1 a~_{k-1} + g2 a~_{k-2}, with a~_0 = a_0 - sigma^2 (white noise only adds to
// lag 0). The result is made a valid decay: AR(1) g1 in [0, 0.9999]; AR(2) real roots in
// [0, 0.9999] (complex roots are replaced by their modulus, a double root).
ar_coefficients estimate_ar(std::span<const double> y, int order, double sigma, std::size_t lags = 5);

// One OASIS pass for fixed parameters: the c minimizing 1/2 |y - c|^2 + lambda |s|_1 under the
// constraints above (y with the baseline already removed). Writes c (size of y).
void oasis_pass(std::span<const double> y, const ar_coefficients& ar, double lambda, double s_min, std::span<double> c);

// s_t = c_t - g1 c_{t-1} - g2 c_{t-2}; the first `order` samples are 0 (their level is taken as
// carried over from before the recording, not as a spike).
std::vector<double> spikes_from_calcium(std::span<const double> c, const ar_coefficients& ar);

// The full method: estimates what `options` leaves open, then deconvolves. Throws
// std::invalid_argument for options out of range (order not 1/2, g outside [0, 1), negative
// sigma/lambda/s_min); the CLI turns these into config errors.
oasis_result oasis_deconvolve(std::span<const double> y, const oasis_options& options = {});

}  // namespace sf::calcium
