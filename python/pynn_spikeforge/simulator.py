"""State of a pyNN.spikeforge session: the network described so far and, from the first run()
on, the spikeforge engine built from it.

PyNN objects (populations, projections, current sources, recorders) register themselves here
while the script builds the network; nothing is simulated in Python. The first run() lowers
everything into one spikeforge.Simulation (one C++ engine); later run() calls continue it.
reset() drops the engine: the next run() rebuilds it from the same description (same
connections, initial values applied again), which is PyNN's "back to t = 0".
"""
import numpy as np
from pyNN import common

import spikeforge

name = "spikeforge"


class ID(int, common.IDMixin):
    """A neuron's global id (PyNN's ID: an int that knows its population)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class EngineLayout:
    """Where every cell lives in the engine. The engine takes one value per population and
    parameter, so a PyNN Population becomes one engine population per distinct parameter set
    (usually one: named "p<k>"; else "p<k>_<g>", groups in order of their first cell).

    names: engine population names; groups[k]: [(name, members, params)] of state.populations[k]
    (members: ascending indices into the Population); engine_of / local_of: per global cell id,
    the index into `names` and the index inside that engine population.
    """

    def __init__(self, populations):
        self.names, self.groups = [], []
        n_cells = sum(p.size for p in populations)
        self.engine_of = np.zeros(n_cells, dtype=np.int64)
        self.local_of = np.zeros(n_cells, dtype=np.int64)
        for k, population in enumerate(populations):
            parts = population._parameter_groups()
            entries = []
            for g, (members, params) in enumerate(parts):
                name = "p%d" % k if len(parts) == 1 else "p%d_%d" % (k, g)
                gids = int(population.first_id) + members
                self.engine_of[gids] = len(self.names)
                self.local_of[gids] = np.arange(len(members))
                self.names.append(name)
                entries.append((name, members, params))
            self.groups.append(entries)

    def of(self, population):
        """[(engine name, members, params)] of a Population."""
        return self.groups[state.populations.index(population)]


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
        self.layout = None
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

    def _build(self):
        network = spikeforge.Network()
        self.layout = EngineLayout(self.populations)
        for population in self.populations:
            population._add_to_network(network, self.layout.of(population))
        for projection in self.projections:
            projection._add_to_network(network)
        for source in self.current_sources:
            source._add_to_network(network)
        for recorder in sorted(self.recorders, key=lambda r: self.populations.index(r.population)):
            recorder._add_probes(network)
        return spikeforge.Simulation(network, dt_ms=self.dt, seed=self.seed, threads=self.threads, t_stop_ms=0.0)


state = State()
