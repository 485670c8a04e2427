"""spikeforge: simulate spiking networks, read and analyse spike data, from Python.

The C++ engine does all the work (no Python in the simulation loop); this package describes
networks, runs them and hands results back as numpy arrays. Units everywhere are the engine's:
time in ms, potentials in mV, currents in pA, conductances in nS, capacitances in pF, rates in Hz.

Simulate::

    import spikeforge as sf
    net = sf.Network()
    net.add_population("exc", "iaf_cond_exp", 800, params={"tau_m": 20.0},
                       initial={"v": sf.Distribution.uniform(-60.0, -50.0)})
    net.add_population("in", "poisson_source", 20, params={"rate_hz": 10.0})
    net.connect("in", "exc", "fixed_probability", p=0.1, weight=4.0, delay_ms=0.2)
    net.record("exc", "v", nodes=[0, 1])
    sim = sf.Simulation(net, dt_ms=0.1, seed=1, threads=2)
    sim.run(1000.0)                         # may be called again to continue
    times_ms, ids = sim.spikes("exc")

    sim = sf.Simulation(sf.Network.from_config("examples/vogels_abbott_seed003.toml"))
    sim = sf.Simulation(sf.Network.builtin("vogels-abbott", n=1000, seed=7))

Read and analyse::

    data = sf.read_spikes("out/vogels-abbott/spikes.h5")   # any supported format
    summary = sf.stats(data)                               # rates, CV, LvR, Fano, ...
    sf.write_spikes(data, "spikes.csv")

Bursts, calcium, figures and every CLI command::

    b = sf.bursts(data, threshold=1000)                    # dict of numpy columns
    rates = sf.calcium.infer(traces, rate_hz=30.0, method="oasis")
    fig = sf.figures.raster(data)                          # a matplotlib Figure
    sf.pile("build", "sessions/", out="pile", bin_ms=20)   # = spikeforge pile build ... in-process
    sf.run_command("braingrid", "table", "culture.h5", "-o", "spikes.parquet")
    for row in sf.datasets.read_pile("pile"): row["spike_counts"]   # uint8 units x bins

Errors are exceptions with the CLI's one-line messages: :class:`ConfigError` (a ValueError) for
bad networks/options, :class:`InputError` (a ValueError) for malformed files,
:class:`SpikeforgeIOError` (an OSError) for files that cannot be read or written, and
:class:`SpikeforgeFileNotFoundError` (also a FileNotFoundError) for a missing input.

The PyNN backend is ``pyNN.spikeforge`` (see docs/python.md).
"""
from ._core import (ConfigError, InputError, SpikeforgeError, SpikeforgeIOError, Distribution,
                    __version__)
from ._files import SpikeforgeFileNotFoundError
from .network import Network, Simulation, models, simulate
from .data import SpikeData, read_spikes, write_spikes, detect_format, stats, bursts
from .commands import run_command, command, pile, braingrid, plot, report, theory, convert
from . import calcium, datasets, figures

__all__ = [
    "ConfigError", "InputError", "SpikeforgeError", "SpikeforgeIOError", "SpikeforgeFileNotFoundError", "Distribution",
    "Network", "Simulation", "models", "simulate",
    "SpikeData", "read_spikes", "write_spikes", "detect_format", "stats", "bursts", "__version__",
    "run_command", "command", "pile", "braingrid", "plot", "report", "theory", "convert", "calcium", "datasets", "figures",
]
