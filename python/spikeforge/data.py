"""Spike files and statistics (the CLI's convert, info and stats) as numpy arrays.

Times are ms; unit indices are global rows of the unit table (population by population).
"""
import numpy as np

from . import _core
from ._files import existing


class SpikeData:
    """Spike trains and their units.

    times_ms, units: one entry per spike, sorted by (time, unit).
    unit_population: per unit, index into population_names; node_id: per unit, its id in the source.
    t_start_ms, t_stop_ms: the recording span.
    """

    def __init__(self, times_ms, units, unit_count=None, population_names=("all",), unit_population=None,
                 t_start_ms=None, t_stop_ms=None, node_id=None, format="python"):
        self.times_ms = np.asarray(times_ms, dtype=np.float64)
        self.units = np.asarray(units, dtype=np.uint32)
        self.unit_count = int(unit_count if unit_count is not None else (self.units.max() + 1 if self.units.size else 0))
        self.population_names = list(population_names)
        self.unit_population = (np.zeros(self.unit_count, dtype=np.uint32) if unit_population is None
                                else np.asarray(unit_population, dtype=np.uint32))
        self.node_id = np.arange(self.unit_count, dtype=np.uint64) if node_id is None else np.asarray(node_id)
        self.t_start_ms = float(t_start_ms if t_start_ms is not None else 0.0)
        self.t_stop_ms = float(t_stop_ms if t_stop_ms is not None else (self.times_ms.max() if self.times_ms.size else 0.0))
        self.format = format

    @classmethod
    def _from_dict(cls, d):
        return cls(d["times_ms"], d["units"], d["unit_count"], d["population_names"], d["unit_population"],
                   d["t_start_ms"], d["t_stop_ms"], d["node_id"], d["format"])

    def _to_dict(self):
        return {"times_ms": self.times_ms, "units": self.units, "unit_count": self.unit_count,
                "population_names": self.population_names, "unit_population": self.unit_population,
                "t_start_ms": self.t_start_ms, "t_stop_ms": self.t_stop_ms, "node_id": self.node_id}

    def population(self, name):
        """(times_ms, node ids) of one population's spikes."""
        p = self.population_names.index(name)
        mask = self.unit_population[self.units] == p
        return self.times_ms[mask], self.node_id[self.units[mask]]

    def __repr__(self):
        return "SpikeData(%d spikes, %d units, %s, [%g, %g] ms)" % (
            self.times_ms.size, self.unit_count, ", ".join(self.population_names), self.t_start_ms, self.t_stop_ms)


def detect_format(path):
    """The format name of a spike file, detected from its content."""
    return _core.detect_format(str(path))


def read_spikes(path, format="", time_unit_ms=0.0, dt_ms=0.1):
    """Reads a spike file (sonata, nwb, nest, csv, braingrid, graphitti; detected when ``format``
    is empty) or a list of files of one recorder. Raises InputError for malformed content."""
    paths = [existing(p) for p in path] if isinstance(path, (list, tuple)) else [existing(path)]
    return SpikeData._from_dict(_core.read_spikes(paths, format, float(time_unit_ms), float(dt_ms)))


def write_spikes(data, path, format=None):
    """Writes ``data`` as sonata (.h5), nwb, csv, npy or parquet (from the extension by default),
    atomically. Units are numbered 0..n-1 within each population (their row), as
    ``spikeforge convert`` writes them (docs/readers.md); ``node_id`` is not written."""
    path = str(path)
    if format is None:
        ext = path.rsplit(".", 1)[-1].lower()
        format = {"h5": "sonata", "nwb": "nwb", "csv": "csv", "npy": "npy", "parquet": "parquet"}.get(ext)
        if format is None:
            raise _core.ConfigError("%s: unknown extension; give format=" % path)
    _core.write_spikes(data._to_dict(), path, format)


def stats(data, t_start_ms=-1.0, t_stop_ms=-1.0, seed=1, rate_bin_ms=1.0, rate_kernel_sigma_ms=5.0):
    """Per-population statistics as `spikeforge stats` computes them (docs/statistics.md):
    a dict with the window and, per population, mean rate [Hz], quartiles, CV of ISI, LvR,
    Fano factor, correlation, synchrony, per-unit rates/CVs and the population rate series."""
    return _core.stats(data._to_dict(), float(t_start_ms), float(t_stop_ms), int(seed), float(rate_bin_ms),
                       float(rate_kernel_sigma_ms))


def bursts(data, method="avalanche", dt_ms=0.1, threshold=10000, duration_steps=0.0, bin_ms=10.0,
           min_rate=0.005):
    """Network bursts as `spikeforge bursts` finds them (docs/bursts.md), as a dict of numpy
    columns, one entry per burst.

    avalanche (BrainGrid's getWindows rule, the seed's allBurst.csv): time steps of ``dt_ms``;
        a burst is an avalanche of more than ``threshold`` spikes; columns id, start_row,
        end_row, start_step, end_step, width, total_spikes, ibi_steps (+ rows, avalanches,
        mean_isi_steps).
    binned: bins of ``bin_ms`` [ms] with at least ``min_rate`` spikes per unit; columns id,
        start_bin, end_bin, start_ms, end_ms, width_bins, total_spikes, peak_bin, ibi_ms.
    """
    return _core.bursts(data._to_dict(), method, float(dt_ms), int(threshold), float(duration_steps),
                        float(bin_ms), float(min_rate))
