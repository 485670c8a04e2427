"""PyNN's standard cell, synapse and current-source types mapped onto spikeforge's models.

Each cell type names its engine model (`engine_model`), translates PyNN parameters into the
engine's (PyNN units -> engine units: nF -> pF and nA -> pA are x 1000) and says which engine
state field holds each PyNN state variable (`engine_state`: name -> (field, engine units per
PyNN unit)). Weights: uS (conductance) and nA (current) both become x 1000 (nS, pA).
"""
import math

import numpy as np
from pyNN.parameters import ParameterSpace
from pyNN.standardmodels import build_translations, cells, electrodes, synapses

from .simulator import state

_IF_COMMON = (
    ('v_rest', 'e_l'),
    ('v_reset', 'v_reset'),
    ('cm', 'c_m', 1000.0),          # nF -> pF
    ('tau_m', 'tau_m'),
    ('tau_refrac', 't_ref'),
    ('tau_syn_E', 'tau_syn_e'),
    ('tau_syn_I', 'tau_syn_i'),
    ('v_thresh', 'v_th'),
    ('i_offset', 'i_e', 1000.0),    # nA -> pA
)


class IF_cond_exp(cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    engine_model = "iaf_cond_exp"
    translations = build_translations(*_IF_COMMON, ('e_rev_E', 'e_rev_e'), ('e_rev_I', 'e_rev_i'))
    engine_state = {'v': ('v', 1.0), 'gsyn_exc': ('g_e', 1000.0), 'gsyn_inh': ('g_i', 1000.0)}


# Current-based cells: besides PyNN's spikes and v, the synaptic currents can be recorded (the
# engine's state i_syn_e / i_syn_i [pA], reported in nA), as NEST's backend does with native names.
_CURRENTS = {'isyn_exc': 'nA', 'isyn_inh': 'nA'}


class IF_cond_alpha(cells.IF_cond_alpha):
    __doc__ = cells.IF_cond_alpha.__doc__
    engine_model = "iaf_cond_alpha"
    translations = IF_cond_exp.translations
    engine_state = IF_cond_exp.engine_state


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    engine_model = "iaf_psc_exp"
    translations = build_translations(*_IF_COMMON)
    engine_state = {'v': ('v', 1.0), 'isyn_exc': ('i_syn_e', 1000.0), 'isyn_inh': ('i_syn_i', 1000.0)}
    recordable = cells.IF_curr_exp.recordable + list(_CURRENTS)
    units = dict(cells.IF_curr_exp.units, **_CURRENTS)


class IF_curr_alpha(cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    engine_model = "iaf_psc_alpha"
    translations = build_translations(*_IF_COMMON)
    engine_state = {'v': ('v', 1.0), 'isyn_exc': ('i_syn_e', 1000.0), 'isyn_inh': ('i_syn_i', 1000.0)}
    recordable = cells.IF_curr_alpha.recordable + list(_CURRENTS)
    units = dict(cells.IF_curr_alpha.units, **_CURRENTS)


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    engine_model = "poisson_source"
    translations = build_translations(
        ('rate', 'rate_hz'),
        ('start', 'start_ms'),
        ('duration', 'stop_ms', "start + duration", "stop_ms - start_ms"),
    )
    engine_state = {}

    def computed_parameters(self):
        # stop_ms depends on start too: set(start=...) alone must keep the duration, so PyNN
        # has to recompute from the full parameter set (as for duration).
        return super().computed_parameters() + ["start"]


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    engine_model = "spike_source_array"
    translations = build_translations(('spike_times', 'spike_times'))
    engine_state = {}


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(('weight', 'weight', 1000.0), ('delay', 'delay'))

    def _get_minimum_delay(self):
        return state.min_delay


class _PopulationCurrent:
    """What spikeforge's current sources share: each is lowered into the engine's DC stimuli
    (piecewise-constant currents into every neuron of a population, `_segments()`), so it can be
    injected into whole populations only; after run() new values take effect from the current
    time on (the number of segments must stay the same).
    """

    def __init__(self, **parameters):
        object.__setattr__(self, "_native", {})
        object.__setattr__(self, "_targets", [])
        object.__setattr__(self, "_engine_indices", [])  # (segment, engine DC stimulus index) pairs
        electrodes.StandardCurrentSource.__init__(self, **parameters)
        space = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        space.update(**parameters)
        self.set_native_parameters(self.translate(space))
        state.current_sources.append(self)

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            value = np.asarray(getattr(value, "value", value), dtype=float)  # Sequence -> array
            self._native[name] = float(value) if value.ndim == 0 else value.reshape(-1)
        if state.engine is None:
            return
        segments = self._segments()
        if any(k >= len(segments) for k, _ in self._engine_indices) or \
                len({k for k, _ in self._engine_indices}) not in (0, len(segments)):
            raise NotImplementedError("pyNN.spikeforge: after run(), %s must keep its number of steps (call reset() "
                                      "first)" % type(self).__name__)
        for k, index in self._engine_indices:
            state.engine.set_dc_stimulus(index, *segments[k])

    def get_native_parameters(self):
        return ParameterSpace(dict(self._native), shape=(1,))

    def inject_into(self, cells):
        state.check_not_built("injecting current")
        from .populations import Population, PopulationView, Assembly
        populations = cells.populations if isinstance(cells, Assembly) else [cells]
        for p in populations:
            whole = isinstance(p, Population) or (isinstance(p, PopulationView) and p.size == p.parent.size
                                                  and np.array_equal(p.all_cells, p.parent.all_cells))
            if not whole:
                raise NotImplementedError(
                    "pyNN.spikeforge: %s can only be injected into whole populations (got %r); "
                    "create a separate Population for the neurons that receive it" % (type(self).__name__, p))
            if not p.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
            self._targets.append(p if isinstance(p, Population) else p.parent)

    def _add_to_network(self, network):
        # (segment, engine stimulus index) pairs, so that later changes find their stimuli.
        self._engine_indices.clear()
        for p in self._targets:
            for k, (amplitude, start, stop) in enumerate(self._segments()):
                for name, _, _ in state.layout.of(p):
                    self._engine_indices.append((k, network.stimulus_count))
                    network.stimulate_dc(name, amplitude, start, stop)

    def _get_data(self):
        raise NotImplementedError("pyNN.spikeforge: recording the current of a current source is not supported")

    def record(self):
        raise NotImplementedError("pyNN.spikeforge: recording the current of a current source is not supported")


class DCSource(_PopulationCurrent, electrodes.DCSource):
    """A constant current (amplitude [nA]) from `start` to `stop` [ms] into whole populations."""
    translations = build_translations(('amplitude', 'amplitude_pa', 1000.0), ('start', 'start_ms'),
                                      ('stop', 'stop_ms'))

    def _segments(self):
        stop = self._native["stop_ms"]
        return [(self._native["amplitude_pa"], self._native["start_ms"], math.inf if stop >= 1e299 else stop)]


class StepCurrentSource(_PopulationCurrent, electrodes.StepCurrentSource):
    """A step-wise current into whole populations: amplitudes [nA] from each of `times` [ms] to
    the next (zero before the first, the last one to the end)."""
    translations = build_translations(('amplitudes', 'amplitudes_pa', 1000.0), ('times', 'times_ms'))

    def _segments(self):
        times = np.atleast_1d(self._native["times_ms"])
        amplitudes = np.atleast_1d(self._native["amplitudes_pa"])
        if times.size != amplitudes.size or np.any(np.diff(times) <= 0) or (times.size and times[0] < 0):
            raise ValueError("StepCurrentSource: times must be ascending, >= 0 ms, one per amplitude "
                             "(got %d times, %d amplitudes)" % (times.size, amplitudes.size))
        stops = list(times[1:]) + [math.inf]
        return [(float(a), float(t), float(e)) for a, t, e in zip(amplitudes, times, stops)]
