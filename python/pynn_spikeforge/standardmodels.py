"""PyNN's standard cell, synapse and current-source types mapped onto spikeforge's models.

Each cell type names its engine model (`engine_model`), translates PyNN parameters into the
engine's (PyNN units -> engine units: nF -> pF and nA -> pA are x 1000) and says which engine
state field holds each PyNN state variable (`engine_state`: name -> (field, engine units per
PyNN unit)). Weights: uS (conductance) and nA (current) both become x 1000 (nS, pA).
"""
import math

import numpy as np
from pyNN.parameters import ParameterSpace, Sequence
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


class DCSource(electrodes.DCSource):
    """A constant current (amplitude [nA]) from `start` to `stop` [ms] into whole populations.

    The engine applies a DC stimulus to every neuron of a population; injecting into part of one
    (a PopulationView, an Assembly's subset, single IDs) raises NotImplementedError.
    """
    translations = build_translations(('amplitude', 'amplitude_pa', 1000.0), ('start', 'start_ms'),
                                      ('stop', 'stop_ms'))

    def __init__(self, **parameters):
        object.__setattr__(self, "_native", {})
        object.__setattr__(self, "_targets", [])
        object.__setattr__(self, "_engine_indices", [])  # the engine's DC stimuli of this source
        super(electrodes.DCSource, self).__init__(**parameters)
        space = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        space.update(**parameters)
        self.set_native_parameters(self.translate(space))
        state.current_sources.append(self)

    def set_native_parameters(self, parameters):
        """New amplitude / start / stop; after run() they take effect from the current time on."""
        parameters.evaluate(simplify=True)
        self._native.update({name: float(value) for name, value in parameters.items()})
        if state.engine is not None:
            for index in self._engine_indices:
                state.engine.set_dc_stimulus(index, self._native["amplitude_pa"], self._native["start_ms"],
                                             self._stop_ms())

    def _stop_ms(self):
        stop = self._native["stop_ms"]
        return math.inf if stop >= 1e299 else stop

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
                    "pyNN.spikeforge: DCSource can only be injected into whole populations (got %r); "
                    "create a separate Population for the neurons that receive it" % (p,))
            if not p.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
            self._targets.append(p if isinstance(p, Population) else p.parent)

    def _add_to_network(self, network):
        self._engine_indices.clear()
        for p in self._targets:
            for name, _, _ in state.layout.of(p):
                self._engine_indices.append(network.stimulus_count)
                network.stimulate_dc(name, self._native["amplitude_pa"], self._native["start_ms"], self._stop_ms())

    def _get_data(self):
        raise NotImplementedError("pyNN.spikeforge: recording the current of a DCSource is not supported")

    def record(self):
        raise NotImplementedError("pyNN.spikeforge: recording the current of a DCSource is not supported")
