"""State of a pyNN.spikeforge session: the network described so far and, from the first run()
on, the spikeforge engine built from it.

PyNN objects (populations, projections, current sources, recorders) register themselves here
while the script builds the network; nothing is simulated in Python. The first run() lowers
everything into one spikeforge.Simulation (one C++ engine); later run() calls continue it.
reset() drops the engine: the next run() rebuilds it from the same description (same
connections, initial values applied again), which is PyNN's "back to t = 0".
"""
from pyNN import common

import spikeforge
from spikeforge import _core

name = "spikeforge"


class ID(int, common.IDMixin):
    """A neuron's global id (PyNN's ID: an int that knows its population)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """Everything one setup() ... end() session owns (one instance per backend module: PyNN's
    procedural API is built around a module-level `state`)."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = 0.1
        self.max_delay = 10.0
        self.threads = 1
        self.seed = 1
        self.clear()

    def clear(self):
        """Forgets the network (setup() starts a new one)."""
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.recorders = set()
        self.id_counter = 0
        self.segment_counter = -1
        self.engine = None
        self.reset()

    def reset(self):
        """Back to t = 0: the engine is rebuilt from the description at the next run()."""
        self.running = False
        self.t = 0.0
        self.t_start = 0.0
        self.engine = None
        self.segment_counter += 1

    # --- running ---------------------------------------------------------------------------
    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        if self.engine is None:
            self.engine = self._build()
        steps = round((tstop - self.t) / self.dt)
        if steps > 0:
            self.engine.run(steps * self.dt)
        self.t = self.engine.time_ms
        self.running = True

    def check_not_built(self, what):
        """Structure changes after the first run() would need a new engine mid-run."""
        if self.engine is not None:
            raise NotImplementedError(
                "pyNN.spikeforge: %s after run() is not supported (the network is built at the first "
                "run(); call reset() first, or describe everything before running)" % what)

    def engine_name(self, population):
        """The engine's name of a Population (labels may repeat or contain anything)."""
        return "p%d" % self.populations.index(population)

    def _build(self):
        network = spikeforge.Network()
        for population in self.populations:
            population._add_to_network(network)
        for projection in self.projections:
            projection._add_to_network(network)
        for source in self.current_sources:
            source._add_to_network(network)
        for recorder in sorted(self.recorders, key=lambda r: self.populations.index(r.population)):
            recorder._add_probes(network)
        return spikeforge.Simulation(network, dt_ms=self.dt, seed=self.seed, threads=self.threads, t_stop_ms=0.0)


state = State()
