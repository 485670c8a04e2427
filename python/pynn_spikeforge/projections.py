"""Projection for pyNN.spikeforge: synapses are generated in numpy when the Projection is made
(connectors.py; PyNN's generic per-target path for the other connectors) and handed to the
engine as explicit synapse lists (the engine's from_list rule) when the network is built.

Weights are kept in native units (nS for conductance-based targets, pA for current-based: PyNN's
uS and nA x 1000); delays in ms.
"""
import numpy as np
from pyNN import common, connectors as pynn_connectors, errors
from pyNN.random import RandomDistribution
from pyNN.space import Space
from pyNN.standardmodels import check_weights

from . import connectors, simulator
from .simulator import state
from .standardmodels import StaticSynapse

# PyNN unit -> engine unit, per synapse attribute.
_SCALE = {"weight": 1000.0, "delay": 1.0}


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 source=None, receptor_type=None, space=Space(), label=None):
        state.check_not_built("creating a Projection")
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector,
                                   synapse_type, source, receptor_type, space, label)
        if type(self.synapse_type) is not StaticSynapse:
            raise NotImplementedError("pyNN.spikeforge: only StaticSynapse is supported (got %s)"
                                      % type(self.synapse_type).__name__)
        self._index = len(state.projections)
        self._pre_idx, self._post_idx, self._values = self._connect(connector)
        if len(self._pre_idx):
            # PyNN's sign rules (positive for conductance / excitatory, negative for current-based
            # inhibitory), as its generic path checks them.
            check_weights(np.asarray(self._values["weight"], dtype=float) / _SCALE["weight"], self)
        state.projections.append(self)

    # --- connecting ------------------------------------------------------------------------
    def _connect(self, connector):
        if isinstance(connector, pynn_connectors.FromFileConnector):
            self._read_connection_file(connector)
        if isinstance(connector, pynn_connectors.FromListConnector):
            return self._from_list(connector)
        # Weights or delays given as functions of distance or as expressions need PyNN's own
        # per-target evaluation (with the projection's Space): the generic path.
        pairs = None if self._values_need_pynn() else connectors.generate(
            connector, self.pre, self.post, fallback_seed=state.seed * 7919 + self._index)
        if pairs is None:
            return self._generic(connector)
        pre_idx, post_idx = pairs
        return pre_idx, post_idx, {name: self._synapse_values(name, pre_idx, post_idx) for name in _SCALE}

    def _values_need_pynn(self):
        for name in _SCALE:
            lazy = self.synapse_type.parameter_space[name]
            if lazy.operations or callable(lazy.base_value):
                return True
        return False

    @staticmethod
    def _read_connection_file(connector):
        """What FromFileConnector.connect() does before it defers to FromListConnector."""
        if connector.distributed:
            connector.file.rename("%s.%d" % (connector.file.name, state.mpi_rank))
        columns = list(connector.file.get_metadata().get("columns", ("weight", "delay")))
        connector.column_names = [c for c in columns if c not in ("i", "j")]
        connector.conn_list = connector.file.read()

    def _synapse_values(self, name, pre_idx, post_idx):
        """Native values of attribute `name` for the given pairs: a float when constant, else an array."""
        lazy = self.synapse_type.parameter_space[name]
        base = lazy.base_value
        if lazy.operations:
            raise NotImplementedError("pyNN.spikeforge: derived %s expressions are not supported" % name)
        if isinstance(base, (int, float, np.integer, np.floating)):
            return float(base) * _SCALE[name]
        if isinstance(base, RandomDistribution):
            return np.asarray(base.next(len(pre_idx)), dtype=float).reshape(-1) * _SCALE[name]
        if isinstance(base, np.ndarray) and base.shape == (self.pre.size, self.post.size):
            return base[pre_idx, post_idx].astype(float) * _SCALE[name]
        raise NotImplementedError("pyNN.spikeforge: %s given as %s is not supported" % (name, type(base).__name__))

    def _from_list(self, connector):
        table = np.asarray(connector.conn_list, dtype=float).reshape(-1, 2 + len(connector.column_names))
        pre_idx = table[:, 0].astype(np.int64)
        post_idx = table[:, 1].astype(np.int64)
        if pre_idx.size and (pre_idx.min() < 0 or pre_idx.max() >= self.pre.size
                             or post_idx.min() < 0 or post_idx.max() >= self.post.size):
            raise errors.ConnectionError("FromListConnector: index out of range")
        for name in connector.column_names:
            if name not in _SCALE:
                raise NotImplementedError("pyNN.spikeforge: FromListConnector column '%s' is not supported" % name)
        values = {}
        for name in _SCALE:
            if name in connector.column_names:
                values[name] = table[:, 2 + list(connector.column_names).index(name)] * _SCALE[name]
            else:
                values[name] = self._synapse_values(name, pre_idx, post_idx)
        return pre_idx, post_idx, values

    def _generic(self, connector):
        """Any other connector through PyNN's own connect(), which calls _convergent_connect()."""
        self._collected = []
        connector.connect(self)
        parts, self._collected = self._collected, None
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, {name: np.zeros(0) for name in _SCALE}
        pre_idx = np.concatenate([p[0] for p in parts])
        post_idx = np.concatenate([p[1] for p in parts])
        values = {name: np.concatenate([p[2][name] for p in parts]) for name in _SCALE}
        return pre_idx, post_idx, values

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, **connection_parameters):
        """PyNN's per-target callback; parameters arrive already translated (native units)."""
        pre = np.asarray(presynaptic_indices, dtype=np.int64).reshape(-1)
        values = {}
        for name in _SCALE:
            value = connection_parameters[name]
            values[name] = np.broadcast_to(np.asarray(value, dtype=float), pre.shape).copy()
        self._collected.append((pre, np.full(pre.shape, int(postsynaptic_index), dtype=np.int64), values))

    # --- PyNN's queries ----------------------------------------------------------------------
    def __len__(self):
        return len(self._pre_idx)

    def _attribute(self, name):
        """Values of one attribute per synapse, PyNN units."""
        if name == "presynaptic_index":
            return self._pre_idx.astype(float)
        if name == "postsynaptic_index":
            return self._post_idx.astype(float)
        if name not in self._values:
            raise NotImplementedError("pyNN.spikeforge: Projection attribute '%s' is not available" % name)
        return np.broadcast_to(np.asarray(self._values[name], dtype=float) / _SCALE[name], self._pre_idx.shape)

    def _get_attributes_as_list(self, names):
        columns = [self._attribute(name) for name in names]
        if not columns:
            return []
        rows = np.column_stack(columns).tolist()
        # Indices as ints (so that they index arrays), as PyNN's other backends give them.
        integral = [k for k, name in enumerate(names) if name in ("presynaptic_index", "postsynaptic_index")]
        for row in rows:
            for k in integral:
                row[k] = int(row[k])
        return [tuple(row) for row in rows]

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        combine = {"sum": np.add.at, "min": np.minimum.at, "max": np.maximum.at}
        out = []
        for name in names:
            name = name[:-1] if name.endswith("s") and name[:-1] in self._values else name
            values = self._attribute(name)
            result = np.full((self.pre.size, self.post.size), np.nan)
            if multiple_synapses in ("first", "last"):
                # One synapse per pair, picked explicitly: numpy's repeated-index assignment order
                # is not something to rely on.
                key = self._pre_idx * self.post.size + self._post_idx
                if multiple_synapses == "first":
                    _, pick = np.unique(key, return_index=True)
                else:
                    _, from_end = np.unique(key[::-1], return_index=True)
                    pick = len(key) - 1 - from_end
                result[self._pre_idx[pick], self._post_idx[pick]] = values[pick]
            else:
                # Start from the identity of the operation where a synapse exists, then combine.
                start = {"sum": 0.0, "min": np.inf, "max": -np.inf}[multiple_synapses]
                result[self._pre_idx, self._post_idx] = start
                combine[multiple_synapses](result, (self._pre_idx, self._post_idx), values)
            out.append(result)
        return out

    def _set_attributes(self, parameter_space):
        raise NotImplementedError("pyNN.spikeforge: changing synapse attributes after creation is not supported")

    # --- lowering into the engine --------------------------------------------------------------
    def _engine_locations(self, neurons):
        """(engine population index, local index) of each neuron of a Population/View/Assembly."""
        ids = np.asarray(neurons.all_cells, dtype=np.int64)
        return state.layout.engine_of[ids], state.layout.local_of[ids]

    def _add_to_network(self, network):
        pre_pop, pre_local = self._engine_locations(self.pre)
        post_pop, post_local = self._engine_locations(self.post)
        src_pop, src = pre_pop[self._pre_idx], pre_local[self._pre_idx]
        tgt_pop, tgt = post_pop[self._post_idx], post_local[self._post_idx]
        weight, delay = self._values["weight"], self._values["delay"]
        # One engine projection per (source, target) engine population pair (Assemblies, and
        # Populations split by parameter values). Keys are 1-D ints: np.unique over a 2-D stack
        # (axis=1) sorts structured rows and took most of the build time at 10^5 synapses.
        n_engine = len(state.layout.names)
        key = src_pop * n_engine + tgt_pop
        single = key.size > 0 and key.min() == key.max()
        for k in (key[:1] if single else np.unique(key)):
            s, t = divmod(int(k), n_engine)
            mask = slice(None) if single else key == k
            network.connect(state.layout.names[s], state.layout.names[t],
                            "from_list", receptor=self.receptor_type,
                            sources=src[mask], targets=tgt[mask],
                            weights=None if np.isscalar(weight) else weight[mask],
                            delays_ms=None if np.isscalar(delay) else delay[mask],
                            weight=weight if np.isscalar(weight) else 0.0,
                            delay_ms=delay if np.isscalar(delay) else 1.0)
