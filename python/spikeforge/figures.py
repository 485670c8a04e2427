"""Figures as matplotlib objects: a raster and population rates of :class:`spikeforge.SpikeData`
(the CLI's ``plot raster`` / ``plot rate`` draw the same from files, see
:func:`spikeforge.plot`). Times in ms, rates in Hz; the rates are spikeforge's own
(``spikeforge.stats``: histogram of ``rate_bin_ms`` smoothed by a Gaussian of sd
``rate_kernel_sigma_ms``).
"""

from .data import stats


def _new_axes(ax):
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=(8, 4))


def raster(data, ax=None, t_start_ms=None, t_stop_ms=None, marker_size=1.0):
    """A spike raster (unit index against time, one colour per population); returns the Figure."""
    fig, ax = _new_axes(ax)
    t0 = data.t_start_ms if t_start_ms is None else t_start_ms
    t1 = data.t_stop_ms if t_stop_ms is None else t_stop_ms
    keep = (data.times_ms >= t0) & (data.times_ms <= t1)
    population = data.unit_population[data.units[keep]]
    for p, name in enumerate(data.population_names):
        mask = population == p
        ax.scatter(data.times_ms[keep][mask], data.units[keep][mask], s=marker_size, marker="|", label=name,
                   linewidths=0.5)
    ax.set_xlim(t0, t1)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("unit")
    if len(data.population_names) > 1:
        ax.legend(loc="upper right", markerscale=8)
    return fig


def rates(data, ax=None, t_start_ms=-1.0, t_stop_ms=-1.0, rate_bin_ms=1.0, rate_kernel_sigma_ms=5.0):
    """Population rates [Hz] against time, smoothed; returns the Figure."""
    fig, ax = _new_axes(ax)
    summary = stats(data, t_start_ms=t_start_ms, t_stop_ms=t_stop_ms, rate_bin_ms=rate_bin_ms,
                    rate_kernel_sigma_ms=rate_kernel_sigma_ms)
    for p in summary["populations"]:
        ax.plot(p["rate_t_ms"], p["rate_smoothed_hz"], label="%s (%.3g Hz)" % (p["name"], p["mean_rate_hz"]))
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("population rate [Hz]")
    ax.legend(loc="upper right")
    return fig
