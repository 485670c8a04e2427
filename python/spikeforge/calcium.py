"""Spike inference from calcium imaging (the CLI's ``calcium infer`` / ``calcium eval``,
docs/calcium.md) on numpy arrays.

Traces are a 2-D array (neurons x samples; trailing NaNs are padding, as in our .npy files) or a
list of 1-D arrays, one per neuron, each its own length. Rates in Hz, times in samples.
Training (``calcium train``) and trace simulation/statistics are CLI commands:
``spikeforge.run_command("calcium", "train", ...)``.
"""
import numpy as np

from . import _core
from ._files import existing


def infer(traces, rate_hz=100.0, method="cnn", model="spikeforge-default", smooth_ms=80.0, delta_f=False,
          max_decay_s=2.0, threads=1):
    """Predicted spike rates, one array per neuron (same lengths and rate as the input).

    rate_hz: the traces' frame rate [Hz] (any; the CNN runs at 100 Hz, resampled there and back).

    method: "cnn" (the Elephant network; ``model`` is spikeforge-default, elephant-model1 or a
        model folder) or "oasis" (AR deconvolution, parameters estimated per trace).
    smooth_ms: OASIS output smoothing [ms, Gaussian sd]; delta_f: convert raw fluorescence to
    dF/F first (running 8th percentile over 60 s); max_decay_s: OASIS's slowest decay [s].
    Results do not depend on ``threads``.
    """
    return _core.calcium_infer(traces, float(rate_hz), method, str(model), float(smooth_ms), bool(delta_f),
                               float(max_decay_s), int(threads))


def evaluate(prediction, truth, bin=4):
    """The Spikefinder score: per neuron, the Pearson correlation of ``bin``-sample sums of the
    prediction and the true spike counts (samples where either is NaN dropped). Returns a dict:
    correlation (per neuron, NaN when undefined), bins (per neuron), mean (NaN-skipping)."""
    return _core.calcium_score(prediction, truth, int(bin))


def read_traces(path, rate_hz=None, dataset=""):
    """(traces, rate_hz, names) of a trace file (.csv Spikefinder, .npy, .h5); traces is a list
    of 1-D arrays (padding dropped)."""
    return _core.read_traces(existing(path), float(rate_hz or 0.0), dataset)


def write_traces(path, traces, rate_hz=100.0, float32=False):
    """Writes traces atomically; the format follows the extension (.csv, .npy, .h5)."""
    _core.write_traces(str(path), traces, float(rate_hz), bool(float32))


def padded(traces):
    """A list of 1-D traces as one 2-D array (neurons x longest), NaN-padded."""
    longest = max((len(t) for t in traces), default=0)
    out = np.full((len(traces), longest), np.nan)
    for row, trace in zip(out, traces):
        row[:len(trace)] = trace
    return out
