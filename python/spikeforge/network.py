"""Networks and simulations (the engine of ``spikeforge simulate``).

Units: ms, mV, pA, nS, pF, Hz. Parameter names are the models' own (``spikeforge.models()``
lists them with defaults and units); weights are nS for conductance-based targets and pA for
current-based ones.
"""
import collections
import math

import numpy as np

from . import _core
from ._files import existing

Spikes = collections.namedtuple("Spikes", ["times_ms", "ids"])
Spikes.__doc__ = "Spike times [ms] and population-local neuron ids, sorted by (time, id)."

_SIMULATION_KEYS = ("dt_ms", "t_stop_ms", "seed", "threads")


def models():
    """The registered models: ``{name: {"params": {p: (default, unit)}, "receptors": [...],
    "fields": {field: unit}, "conductance_based": bool}}``."""
    return _core.models()


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError("cannot express %r in a config" % (value,))


class Network:
    """A network description: populations, projections, stimuli and recorders.

    Nothing is built until a :class:`Simulation` is made from it; every value is checked then,
    and a mistake raises :class:`spikeforge.ConfigError` naming the key.
    """

    def __init__(self, _builder=None):
        self._builder = _builder if _builder is not None else _core.NetworkBuilder()

    # --- construction from configs and built-in models ---------------------------------------
    @classmethod
    def from_config(cls, path):
        """The network of a TOML config file (docs/config.md), built-in models expanded."""
        return cls(_core.NetworkBuilder.from_config_file(existing(path)))

    @classmethod
    def from_toml(cls, text, source="<text>"):
        """The network of config text (TOML)."""
        return cls(_core.NetworkBuilder.from_config_text(text, source))

    @classmethod
    def builtin(cls, name, **overrides):
        """A built-in model by name ("vogels-abbott", "microcircuit", "multi-area") with the
        [model] keys of docs/config.md as keyword overrides (e.g. ``n=1000, variant="cuba"``);
        ``dt_ms``, ``t_stop_ms``, ``seed`` and ``threads`` go to [simulation]."""
        model = ["[model]", "name = " + _toml_value(name)]
        simulation = ["[simulation]"]
        for key, value in overrides.items():
            (simulation if key in _SIMULATION_KEYS else model).append("%s = %s" % (key, _toml_value(value)))
        return cls.from_toml("\n".join(model + simulation) + "\n", "builtin:" + name)

    # --- building by hand ----------------------------------------------------------------------
    def add_population(self, name, model, size, params=None, initial=None, spike_times_ms=None,
                       record_spikes=True, **param_kw):
        """Adds ``size`` neurons of a registered ``model``.

        params: overrides of the model's defaults (dict and/or keyword arguments, model units).
        initial: initial state per field: a number, a :class:`Distribution` (drawn by the engine)
            or an array with one value per neuron.
        spike_times_ms: spike_source_array only: one ascending list of times [ms] per neuron.
        """
        values = dict(params or {})
        values.update(param_kw)
        self._builder.add_population(name, model, int(size), {k: float(v) for k, v in values.items()},
                                     dict(initial or {}), spike_times_ms, bool(record_spikes))
        return self

    def connect(self, source, target, rule="all_to_all", p=0.0, n=0, weight=0.0, delay_ms=1.0,
                receptor="excitatory", autapses=None, multapses=None, sources=None, targets=None,
                weights=None, delays_ms=None):
        """Adds a projection ``source -> target``.

        rule: all_to_all, one_to_one, fixed_probability (p), fixed_indegree (n per target),
            fixed_total_number (n in all), or from_list (``sources``/``targets`` index arrays,
            optional per-synapse ``weights`` [nS|pA] and ``delays_ms``).
        weight [nS|pA], delay_ms [ms]: numbers or :class:`Distribution`.
        autapses / multapses: defaults as in configs (autapses only for one_to_one, multapses
            only for fixed_total_number).
        """
        if autapses is None:
            autapses = rule == "one_to_one"
        if multapses is None:
            multapses = rule == "fixed_total_number"
        weight = float(weight) if isinstance(weight, (int, np.integer, np.floating)) else weight
        delay_ms = float(delay_ms) if isinstance(delay_ms, (int, np.integer, np.floating)) else delay_ms
        self._builder.add_projection(source, target, receptor, rule, float(p), int(n), bool(autapses),
                                     bool(multapses), weight, delay_ms, sources, targets, weights, delays_ms)
        return self

    def stimulate_dc(self, target, amplitude_pa, start_ms=0.0, stop_ms=math.inf):
        """A constant current [pA] into every neuron of ``target`` during [start_ms, stop_ms)."""
        self._builder.add_stimulus("dc", target, "excitatory", 0.0, 0.0, float(amplitude_pa),
                                   float(start_ms), 1e300 if math.isinf(stop_ms) else float(stop_ms))
        return self

    def stimulate_poisson(self, target, rate_hz, weight, receptor="excitatory", start_ms=0.0, stop_ms=math.inf):
        """An independent Poisson train of ``rate_hz`` [Hz] and ``weight`` [nS|pA] into every
        neuron of ``target``, during [start_ms, stop_ms)."""
        self._builder.add_stimulus("poisson", target, receptor, float(rate_hz), float(weight), 0.0,
                                   float(start_ms), 1e300 if math.isinf(stop_ms) else float(stop_ms))
        return self

    def record(self, population, field="v", nodes=None, interval_ms=0.0):
        """Samples state ``field`` (e.g. v [mV], g_e [nS]) of ``nodes`` (default all) every
        ``interval_ms`` (0: every step)."""
        if nodes is None:
            nodes = np.arange(self._size_of(population))
        self._builder.add_probe(population, field, np.asarray(nodes, dtype=np.int64), float(interval_ms))
        return self

    def _size_of(self, population):
        return self._builder.population_size(population)

    @property
    def stimulus_count(self):
        """Stimuli added so far (the index the next one gets, see Simulation.set_dc_stimulus)."""
        return self._builder.stimulus_count

    @property
    def population_names(self):
        return list(self._builder.population_names())

    def to_toml(self):
        """The network as config text (``spikeforge simulate`` runs it)."""
        return self._builder.to_toml()


class Simulation:
    """A built network. ``run()`` advances it; results accumulate across runs.

    dt_ms, seed, threads override the network's [simulation] values (the results are identical
    for any thread count).
    """

    def __init__(self, network, dt_ms=None, seed=None, threads=None, t_stop_ms=None):
        b = network._builder
        self._t_stop_ms = float(t_stop_ms if t_stop_ms is not None else b.t_stop_ms)
        self._sim = _core.Simulation(b, float(dt_ms if dt_ms is not None else b.dt_ms), self._t_stop_ms,
                                     int(seed if seed is not None else b.seed),
                                     int(threads if threads is not None else b.threads))

    def run(self, duration_ms=None):
        """Advances by ``duration_ms`` [ms] (default: the config's t_stop_ms). Call again to continue."""
        self._sim.run(float(self._t_stop_ms if duration_ms is None else duration_ms))
        return self

    def spikes(self, population):
        """:class:`Spikes` (times_ms, ids) of ``population`` since the start (or the last clear)."""
        times, ids = self._sim.spikes(population)
        return Spikes(times, ids)

    def recorded(self):
        """Sampled state: a list of dicts (population, field, unit, nodes, times_ms, values
        [samples x nodes])."""
        return self._sim.recorded()

    def set_parameters(self, population, **values):
        """Between runs: new values [model units] for parameters of every neuron of
        ``population`` (e.g. ``rate_hz=20.0`` of a poisson_source, ``i_e=100.0``); the others keep theirs."""
        self._sim.set_parameters(population, {k: float(v) for k, v in values.items()})

    def set_spike_times(self, population, times_ms):
        """Between runs: new spike times [ms] of a spike_source_array, one list per neuron; times
        not after the current time are never emitted."""
        self._sim.set_spike_times(population, times_ms)

    def set_dc_stimulus(self, index, amplitude_pa, start_ms=0.0, stop_ms=math.inf):
        """Between runs: the amplitude [pA] and window [start_ms, stop_ms) of DC stimulus ``index``
        (the network's stimuli in the order they were added)."""
        self._sim.set_dc_stimulus(int(index), float(amplitude_pa), float(start_ms),
                                  1e300 if math.isinf(stop_ms) else float(stop_ms))

    def clear_recordings(self, population=None):
        """Forgets (and frees) the spikes and samples recorded so far, of every population or of
        one; the network keeps running from where it is. Long runs read out chunk by chunk stay
        within bounded memory this way."""
        self._sim.clear_recordings(population)

    def connections(self, projection):
        """The synapses of projection ``projection`` (index in creation order): dict of arrays
        source, target (population-local), weight [nS|pA], delay_ms."""
        return self._sim.connections(int(projection))

    def populations(self):
        """name, model, size, first_gid and spike count of every population."""
        return self._sim.populations()

    def config_toml(self):
        return self._sim.config_toml()

    time_ms = property(lambda self: self._sim.time_ms, doc="simulated time so far [ms]")
    dt_ms = property(lambda self: self._sim.dt_ms, doc="time step [ms]")
    min_delay_ms = property(lambda self: self._sim.min_delay_ms, doc="shortest delay = epoch length [ms]")
    threads = property(lambda self: self._sim.threads)
    neuron_count = property(lambda self: self._sim.neuron_count)
    synapse_count = property(lambda self: self._sim.synapse_count)


def simulate(config=None, model=None, duration_ms=None, **overrides):
    """Builds and runs a config file (``config``) or a built-in model (``model``, with
    overrides); returns the :class:`Simulation` (spikes via ``.spikes(population)``)."""
    if (config is None) == (model is None):
        raise _core.ConfigError("simulate: give a config file or a built-in model name")
    if config is not None:
        run = {k: overrides.pop(k) for k in list(overrides) if k in _SIMULATION_KEYS}
        if overrides:
            raise _core.ConfigError("simulate: unknown option(s) %s for a config" % ", ".join(sorted(overrides)))
        sim = Simulation(Network.from_config(config), **run)
    else:
        sim = Simulation(Network.builtin(model, **overrides))
    return sim.run(duration_ms)
