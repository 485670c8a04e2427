"""Population, PopulationView and Assembly for pyNN.spikeforge.

A Population is one engine population per distinct set of parameter values (usually one; see
simulator.EngineLayout). Its native parameters (engine names and units) are kept as per-neuron
arrays until the network is built; a parameter drawn per neuron (more than
MAX_PARAMETER_GROUPS distinct sets) raises NotImplementedError when the network is built. Initial values are per neuron (any
RandomDistribution, array or function PyNN accepts), drawn in Python from PyNN's own RNGs.
"""
import numpy as np
from pyNN import common, errors
from pyNN.parameters import LazyArray, ParameterSpace, simplify

from . import simulator
from .recording import Recorder
from .simulator import state


class Assembly(common.Assembly):
    _simulator = simulator


class PopulationView(common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    # Views of views: values live in the Population at the root (the grandparent).
    def _in_root(self):
        return self.index_in_grandparent(np.arange(self.size))

    def _get_parameters(self, *names):
        values = {}
        for name in names:
            value = self.grandparent._parameters[name]
            values[name] = simplify(value[self._in_root()] if isinstance(value, np.ndarray) else value)
        return ParameterSpace(values, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        root = self.grandparent
        new_values = {}
        for name, value in parameter_space.items():
            new_values[name] = np.array(root._parameters[name], copy=True)
            new_values[name][self._in_root()] = value
        root._commit_parameters(new_values)

    def _set_initial_value_array(self, variable, initial_values):
        state.check_not_built("setting initial values")
        self.grandparent._initial[variable][self._in_root()] = initial_values.evaluate(simplify=False)

    def initialize(self, **initial_values):
        """Sets initial values of the view's neurons (PyNN units)."""
        for variable, value in initial_values.items():
            if variable not in self.grandparent._initial:
                raise errors.NonExistentParameterError(variable, self.celltype.__class__.__name__,
                                                       list(self.grandparent._initial))
            self._set_initial_value_array(variable, LazyArray(value, shape=(self.size,), dtype=float))

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def __init__(self, *args, **kwargs):
        state.check_not_built("creating a Population")
        try:
            super().__init__(*args, **kwargs)
        except Exception:
            # PyNN registers the recorder before the cells exist: a failed Population leaves none.
            state.recorders.discard(getattr(self, "recorder", None))
            raise

    def _create_cells(self):
        if not hasattr(self.celltype, "engine_model"):
            raise NotImplementedError("pyNN.spikeforge: cell type %s is not supported (supported: IF_cond_exp, "
                                      "IF_cond_alpha, IF_curr_exp, IF_curr_alpha, SpikeSourcePoisson, SpikeSourceArray)"
                                      % type(self.celltype).__name__)
        ids = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones(self.size, dtype=bool)  # one process: every cell is local
        for cell in self.all_cells:
            cell.parent = self
        state.id_counter += self.size
        parameters = self.celltype.native_parameters
        parameters.shape = (self.size,)
        parameters.evaluate(simplify=False)
        self._parameters = parameters.as_dict()
        self._initial = {}
        state.populations.append(self)

    def _set_initial_value_array(self, variable, initial_values):
        state.check_not_built("setting initial values")
        self._initial[variable] = np.array(initial_values.evaluate(simplify=False), dtype=float).reshape(self.size)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        return ParameterSpace({name: simplify(self._parameters[name]) for name in names}, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        self._commit_parameters(dict(parameter_space.items()))

    def _commit_parameters(self, new_values):
        """Takes new native parameter arrays ({name: one value per neuron}). After run() they go
        to the running engine too, engine population by engine population (PyNN's set() between
        runs: a Poisson rate, a bias current, new spike times); the split into engine populations
        is fixed when the network is built, so values must stay equal within each. Everything is
        checked before anything changes."""
        updates = []  # (engine population, {param: value}, new spike times or None)
        if state.engine is not None:
            for engine_name, members, params in state.layout.of(self):
                changes = {}
                for name, value in new_values.items():
                    if name == "spike_times":
                        continue
                    values = np.broadcast_to(np.asarray(value, dtype=float), (self.size,))[members]
                    if values.size and not np.all(values == values[0]):
                        raise NotImplementedError(
                            "pyNN.spikeforge: after run(), '%s' of population '%s' must stay equal within each group of "
                            "neurons that shared all parameters when the network was built (call reset() first)"
                            % (name, self.label))
                    if values.size and params.get(name) != float(values[0]):
                        changes[name] = float(values[0])
                spikes = self._spike_times(members, new_values["spike_times"]) if "spike_times" in new_values else None
                updates.append((engine_name, params, changes, spikes))
        for engine_name, params, changes, spikes in updates:  # the engine validates the values
            if changes:
                state.engine.set_parameters(engine_name, **changes)
                params.update(changes)
            if spikes is not None:
                state.engine.set_spike_times(engine_name, spikes)
        self._parameters.update(new_values)

    def _spike_times(self, members, trains=None):
        """The spike-time lists [ms] of the given neurons (Sequence / ArrayParameter values)."""
        trains = self._parameters["spike_times"] if trains is None else trains
        return [np.asarray(getattr(s, "value", s), dtype=float) for s in (trains[i] for i in members)]

    # --- lowering into the engine --------------------------------------------------------------
    # Engine populations per Population: more than this many distinct parameter sets (e.g. a
    # parameter drawn per neuron) would make the engine's per-population tables explode.
    MAX_PARAMETER_GROUPS = 64

    def _parameter_groups(self):
        """[(members, params)]: the neurons sharing each distinct set of native parameters (spike
        times go separately), in order of their first neuron; members ascending."""
        names = [name for name in self._parameters if name != "spike_times"]
        if self.size == 0:
            return [(np.zeros(0, dtype=np.int64), {})]
        if not names:
            return [(np.arange(self.size), {})]
        table = np.column_stack([np.broadcast_to(np.asarray(self._parameters[name], dtype=float), (self.size,))
                                 for name in names])
        _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
        if len(first) > self.MAX_PARAMETER_GROUPS:
            varying = [n for j, n in enumerate(names) if np.unique(table[:, j]).size > 1]
            raise NotImplementedError(
                "pyNN.spikeforge: parameter(s) %s of population '%s' take %d distinct combinations; the engine "
                "takes one value per population and parameter, and at most %d groups are split off automatically "
                "(give such neurons a few distinct values, or separate Populations)"
                % (", ".join("'%s'" % n for n in varying), self.label, len(first), self.MAX_PARAMETER_GROUPS))
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first)] = np.arange(len(first))
        group = rank[inverse.reshape(-1)]
        return [(np.flatnonzero(group == g), dict(zip(names, map(float, table[int(np.sort(first)[g])]))))
                for g in range(len(first))]

    def _engine_initial(self, members):
        out = {}
        for variable, values in self._initial.items():
            field, scale = self.celltype.engine_state.get(variable, (None, None))
            if field is None:
                continue  # e.g. isyn of a model whose engine state starts at 0 anyway
            out[field] = np.asarray(values, dtype=float)[members] * scale
        return out

    def _add_to_network(self, network, groups):
        for name, members, params in groups:
            spike_times = None
            if "spike_times" in self._parameters:
                spike_times = self._spike_times(members)
            network.add_population(name, self.celltype.engine_model, len(members), params=params,
                                   initial=self._engine_initial(members), spike_times_ms=spike_times)
