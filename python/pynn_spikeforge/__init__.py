"""pyNN.spikeforge: PyNN 0.10 on the spikeforge engine.

    import pyNN.spikeforge as sim
    sim.setup(timestep=0.1, min_delay=0.2, threads=2, rng_seed=1)
    cells = sim.Population(1000, sim.IF_cond_exp(tau_m=20.0), label="cells")
    ...
    sim.run(1000.0)
    data = cells.get_data()     # Neo Block
    sim.end()

The script describes the network with PyNN's API; connections are drawn in numpy when a
Projection is made; the first run() builds one C++ engine from the description and every run()
advances it (no Python in the simulation loop). Supported: IF_cond_exp, IF_cond_alpha, IF_curr_exp,
IF_curr_alpha, SpikeSourcePoisson, SpikeSourceArray, DCSource (whole populations), StaticSynapse,
every PyNN connector (AllToAll, OneToOne, FixedProbability, FixedNumberPre/Post, FixedTotalNumber
and FromList vectorised; the others through PyNN's generic path), recording of spikes, v and
gsyn_exc/gsyn_inh, get_data()/write_data(), reset(). setup() extras: threads (results are
identical for any count), rng_seed (seed of the engine's Poisson sources). What is not
supported raises NotImplementedError naming it; see docs/python.md.
"""
import logging

from neo.io import get_io
from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.connectors import *  # noqa: F401,F403  (PyNN's connectors are used as they are)
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401  (as the other backends)
from pyNN.recording import *  # noqa: F401,F403

from . import simulator
from .populations import Assembly, Population, PopulationView
from .projections import Projection
from .standardmodels import (DCSource, IF_cond_alpha, IF_cond_exp, IF_curr_alpha, IF_curr_exp, SpikeSourceArray,
                             SpikeSourcePoisson, StaticSynapse, StepCurrentSource)

logger = logging.getLogger("PyNN")


class NativeRNG(NumpyRNG):
    """spikeforge has no separate native generator for what PyNN draws in Python (connections,
    random parameter values): this is numpy's Mersenne Twister seeded with `seed`, like NumpyRNG.
    The engine's own draws (Poisson sources) use its counter-based streams, seeded by setup()'s
    rng_seed."""


def list_standard_models():
    """The StandardCellType classes this backend supports."""
    return ["IF_cond_exp", "IF_cond_alpha", "IF_curr_exp", "IF_curr_alpha", "SpikeSourcePoisson", "SpikeSourceArray"]


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Starts a new network. timestep, min_delay, max_delay in ms; extras: threads (default 1),
    rng_seed (engine seed for Poisson sources, default 1). Returns the MPI rank (0)."""
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    state = simulator.state
    state.clear()
    state.dt = timestep
    state.min_delay = timestep if min_delay == "auto" else min_delay
    state.max_delay = 10.0 if max_delay == "auto" else max_delay
    state.threads = int(extra_params.get("threads", 1))
    state.seed = int(extra_params.get("rng_seed", 1))
    return rank()


def end(compatible_output=True):
    """Writes the data requested with record(..., to_file) and ends the session."""
    for (population, variables, filename) in simulator.state.write_on_end:
        population.write_data(get_io(filename), variables)
    simulator.state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = \
    common.build_state_queries(simulator)
create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)  # noqa: F405
record = common.build_record(simulator)


def record_v(source, filename):
    return record(["v"], source, filename)


def record_gsyn(source, filename):
    return record(["gsyn_exc", "gsyn_inh"], source, filename)
