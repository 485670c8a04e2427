"""Recording for pyNN.spikeforge: spikes of every population stream from the engine into memory;
state variables (v, gsyn_exc, gsyn_inh, ...) are sampled by engine probes on the recorded
neurons only. Values come back in PyNN units (mV, uS, nA).
"""
import numpy as np
from pyNN import recording

from . import simulator
from .simulator import state


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._interval = {}       # variable -> sampling interval [ms]
        self._cleared_at = 0.0    # [ms] data before this was handed out with clear=True
        # [ms] per neuron of the population: spikes count from this time on (record('spikes')
        # called after the network started keeps only the spikes that come after the call).
        self._spikes_since = np.zeros(population.size)

    def record(self, variables, ids, sampling_interval=None):
        # Checked before PyNN registers anything: the engine samples on the dt grid.
        if sampling_interval is not None:
            steps = sampling_interval / state.dt
            if sampling_interval <= 0 or abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
                raise ValueError("pyNN.spikeforge: sampling_interval %g ms must be a whole multiple of the time step "
                                 "%g ms" % (sampling_interval, state.dt))
        super().record(variables, ids, sampling_interval)

    def _record(self, variable, new_ids, sampling_interval=None):
        if new_ids and variable == "spikes":
            self._spikes_since[self._indices(new_ids)] = state.t
        if new_ids and variable != "spikes":
            state.check_not_built("recording new variables")
            if variable not in self.population.celltype.engine_state:
                raise NotImplementedError("pyNN.spikeforge: recording '%s' of %s is not supported"
                                          % (variable, type(self.population.celltype).__name__))
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval

    def _indices(self, ids):
        return np.asarray([self.population.id_to_index(i) for i in ids], dtype=np.int64)

    def _add_probes(self, network):
        """Engine probes for the recorded state variables (called when the network is built):
        per engine population of this Population, its recorded neurons (local indices)."""
        interval = 0.0 if abs(self.sampling_interval - state.dt) < 1e-12 else self.sampling_interval
        for variable in sorted(self.recorded):
            if variable == "spikes" or not self.recorded[variable]:
                continue
            field = self.population.celltype.engine_state[variable][0]
            wanted = np.sort(self._indices(self.recorded[variable]))
            for name, members, _ in state.layout.of(self.population):
                local = np.flatnonzero(np.isin(members, wanted))
                if local.size:
                    network.record(name, field, nodes=local, interval_ms=interval)

    def _engine_spikes(self):
        """(global ids, times [ms]) of this population's spikes since the last clear, by time."""
        if state.engine is None:
            return np.zeros(0, dtype=int), np.zeros(0)
        gids, times = [], []
        for name, members, _ in state.layout.of(self.population):
            t, local = state.engine.spikes(name)
            index = members[local.astype(np.int64)]
            keep = (t > self._cleared_at) & (t > self._spikes_since[index])
            gids.append(int(self.population.first_id) + index[keep])
            times.append(t[keep])
        if len(gids) == 1:
            return gids[0], times[0]  # one engine population: already by (time, id)
        gids, times = np.concatenate(gids), np.concatenate(times)
        order = np.lexsort((gids, times))
        return gids[order], times[order]

    def _get_spiketimes(self, ids, clear=False):
        gids, times = self._engine_spikes()
        mask = np.isin(gids, np.asarray(ids, dtype=np.int64))
        return gids[mask], times[mask].copy()

    def _get_all_signals(self, variable, ids, clear=False):
        field, scale = self.population.celltype.engine_state[variable]
        wanted = self._indices(ids)
        if state.engine is None or len(wanted) == 0:
            return np.zeros((0, len(wanted))), None
        names = {name: members for name, members, _ in state.layout.of(self.population)}
        columns, times = {}, None
        for probe in state.engine.recorded():
            if probe["population"] in names and probe["field"] == field:
                members = names[probe["population"]]
                for j, local in enumerate(probe["nodes"]):
                    columns[int(members[local])] = probe["values"][:, j]
                times = probe["times_ms"]
        missing = [int(i) for i in wanted if int(i) not in columns]
        if missing:
            raise NotImplementedError("pyNN.spikeforge: '%s' of neuron(s) %s was not recorded when the network "
                                      "was built" % (variable, missing[:5]))
        values = np.column_stack([columns[int(i)] for i in wanted]) / scale
        # The engine samples after each step; PyNN's signals start with the value at t = 0.
        initial = self.population._initial.get(variable)
        first = (np.zeros(len(wanted)) if initial is None else np.asarray(initial)[wanted]).reshape(1, -1)
        values = np.vstack([first, values])
        times = np.concatenate([[0.0], times])
        keep = times >= self._cleared_at - 1e-9
        if times[keep].size and abs(times[keep][0] - self._cleared_at) > 1e-9:
            # PyNN labels the first sample with the clear time: refuse rather than shift the time axis.
            raise NotImplementedError(
                "pyNN.spikeforge: get_data(clear=True) was called at t = %g ms, which is not a multiple of the "
                "sampling interval %g ms of '%s'; clear at multiples of it" % (self._cleared_at, self.sampling_interval,
                                                                           variable))
        return values[keep], None

    def _local_count(self, variable, filter_ids=None):
        ids = sorted(self.filter_recorded(variable, filter_ids))
        gids, _ = self._engine_spikes()
        counts = np.bincount(gids - int(self.population.first_id), minlength=self.population.size)
        return {int(i): int(counts[int(i) - int(self.population.first_id)]) for i in ids}

    def _clear_simulator(self):
        # get_data(clear=True) / write_data(clear=True): the engine's copies of this population's
        # spikes and samples up to now are freed, so that long runs read out in chunks keep memory
        # bounded (_cleared_at still filters, for what arrives in the same step).
        self._cleared_at = state.t
        if state.engine is not None:
            for name, _, _ in state.layout.of(self.population):
                state.engine.clear_recordings(name)

    def _reset(self):
        # PyNN's "stop recording" hook (record(None)), not the simulation's reset: data handed
        # out with clear=True stays handed out (the simulation's reset goes through store_to_cache).
        self._cleared_at = state.t

    def store_to_cache(self, annotations=None):
        super().store_to_cache(annotations)
        self._cleared_at = 0.0  # the simulation's reset: a new engine from t = 0
        self._spikes_since[:] = 0.0
