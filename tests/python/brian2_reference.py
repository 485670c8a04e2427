#!/usr/bin/python3
"""Brian2 reference for spikeforge's Vogels-Abbott benchmark network.

Builds the COBA (PyNN IF_cond_exp) or CUBA (IF_curr_exp) balanced network of
Brette et al. 2007 / PyNN's VAbenchmarks in Brian2 (runtime mode, Cython
target, 1 thread) and writes summary statistics as JSON.

    /usr/bin/python3 tests/python/brian2_reference.py --variant coba --n 4000 \
        --pconn 0.02 --t-stop 1000 --seed 1 --stimulus poisson:rate=200 \
        --json out.json

Requires Debian's python3-brian (2.5.1), numpy and cython3 (the system
/usr/bin/python3; the pyenv `python3` on PATH does not have them).

Network: N neurons, the first round(0.8 N) excitatory, the rest inhibitory.
Every ordered pair (i -> j), i != j, is connected independently with
probability pconn (no autapses, no multapses), from both populations to all
neurons; every recurrent synapse has a 0.2 ms delay; dt = 0.1 ms.

Spike-time convention (Brian2's default schedule, checked empirically):
each step at clock time t runs  groups (state update t -> t+dt)  ->
thresholds (v > V_th on the *updated* v, non-refractory neurons only)  ->
synapses (deliver spikes whose delay has expired)  ->  resets.  A spike is
stamped with t, the time at the *start* of the step in which v crossed, so
it is one dt earlier than the grid time at which v > V_th is first seen.
A spike stamped at step n with delay d is added to g in the synapses slot of
step n + d/dt, i.e. after that step's state update (with d = 0.2 ms it first
affects v in the update of step n + 3).

Stimuli (--stimulus NAME[:key=val,...]), all excitatory:
  none                      random v0 only.
  kick[:rate=10,n=20,p=0.01,w=100,dur=50]
                            the seed notebook's kick: n Poisson sources at
                            `rate` Hz during the first `dur` ms, each
                            connected to every neuron with probability p,
                            weight w nS (COBA) / w * 60 mV in pA (CUBA),
                            delay 0.2 ms.  PyNN's VAbenchmarks uses rate=100.
  poisson[:rate=200,dur=50,w=<exc weight>]
                            an independent Poisson train into every neuron's
                            excitatory input during the first `dur` ms
                            (Bernoulli(rate*dt) per neuron and step, added to
                            g_e / i_e directly, no delay); w in nS (COBA) or
                            pA (CUBA), default = the recurrent exc weight.
"""
import argparse
import json
import time
import warnings

import numpy as np

warnings.filterwarnings('ignore')  # pythran / numpy deprecation noise
import brian2 as b2  # noqa: E402
from brian2 import ms, mV, nS, pA, pF, Hz  # noqa: E402

b2.prefs.codegen.target = 'cython'  # fastest runtime target that works here
b2.prefs.logging.console_log_level = 'WARNING'

# --- Parameters (PyNN VAbenchmarks, units as in the brian2 quantities) ------
DT = 0.1 * ms
DELAY = 0.2 * ms            # all recurrent synapses
FRAC_EXC = 0.8
C_M = 200 * pF              # membrane capacitance
G_L = 10 * nS               # leak conductance -> tau_m = C_M / G_L = 20 ms
V_TH = -50 * mV
V_RESET = -60 * mV
T_REF = 5 * ms              # v clamped at V_RESET, synaptic variables decay
TAU_E = 5 * ms
TAU_I = 10 * ms
I_E = 0 * pA                # constant bias current (0 in both variants)

VARIANTS = {
    # COBA: IF_cond_exp, conductance jumps in nS
    'coba': dict(E_L=-60 * mV, E_E=0 * mV, E_I=-80 * mV,
                 w_e=4 * nS, w_i=51 * nS, method='exponential_euler',
                 eqs='''
dv/dt = (G_L*(E_L - v) + g_e*(E_E - v) + g_i*(E_I - v) + I_E) / C_M : volt (unless refractory)
dg_e/dt = -g_e / TAU_E : siemens
dg_i/dt = -g_i / TAU_I : siemens
'''),
    # CUBA: IF_curr_exp, current jumps in pA (0.27 nS, 4.5 nS times +-60/-20 mV)
    'cuba': dict(E_L=-49 * mV, E_E=0 * mV, E_I=-80 * mV,
                 w_e=16.2 * pA, w_i=-90 * pA, method='exact',
                 eqs='''
dv/dt = (G_L*(E_L - v) + g_e + g_i + I_E) / C_M : volt (unless refractory)
dg_e/dt = -g_e / TAU_E : amp
dg_i/dt = -g_i / TAU_I : amp
'''),
}

DEFAULT_STIMULUS = 'poisson:rate=200,dur=50'   # see --stimulus help / study notes

STIM_DEFAULTS = {
    'none': {},
    'kick': dict(rate=10.0, n=20, p=0.01, w=100.0, dur=50.0),
    'poisson': dict(rate=200.0, dur=50.0, w=None),
}


def parse_stimulus(spec):
    """'poisson:rate=200,dur=50' -> ('poisson', {'rate': 200.0, 'dur': 50.0, 'w': None})."""
    name, _, rest = spec.partition(':')
    if name not in STIM_DEFAULTS:
        raise ValueError(f'unknown stimulus {name!r}; choose from {sorted(STIM_DEFAULTS)}')
    opts = dict(STIM_DEFAULTS[name])
    for item in filter(None, rest.split(',')):
        key, _, val = item.partition('=')
        if key not in opts:
            raise ValueError(f'stimulus {name!r} has no option {key!r}')
        opts[key] = float(val)
    return name, opts


def build(variant='coba', n=4000, pconn=0.02, seed=1, stimulus=DEFAULT_STIMULUS, method=None,
          record=True):
    """Create the network; returns a dict of Brian2 objects (in a fresh scope).

    record=False keeps only per-neuron spike counts (used by the benchmark)."""
    par = VARIANTS[variant]
    name, sopt = parse_stimulus(stimulus)
    b2.start_scope()
    b2.defaultclock.dt = DT
    b2.seed(seed)          # seeds Brian2's and numpy's generators
    n_exc = int(round(FRAC_EXC * n))
    ns = dict(G_L=G_L, C_M=C_M, E_L=par['E_L'], E_E=par['E_E'], E_I=par['E_I'],
              I_E=I_E, TAU_E=TAU_E, TAU_I=TAU_I, V_TH=V_TH, V_RESET=V_RESET,
              w_e=par['w_e'], w_i=par['w_i'], n_exc=n_exc)
    P = b2.NeuronGroup(n, par['eqs'], threshold='v > V_TH', reset='v = V_RESET',
                       refractory=T_REF, method=method or par['method'],
                       namespace=ns, name='P')
    P.v = 'V_RESET + rand() * (V_TH - V_RESET)'   # v0 ~ U[-60, -50] mV; g = 0
    Pe, Pi = P[:n_exc], P[n_exc:]
    # i, j in conditions are indices within the source / target (sub)group.
    Ce = b2.Synapses(Pe, P, on_pre='g_e_post += w_e', delay=DELAY, namespace=ns, name='Ce')
    Ce.connect(condition='i != j', p=pconn)
    Ci = b2.Synapses(Pi, P, on_pre='g_i_post += w_i', delay=DELAY, namespace=ns, name='Ci')
    Ci.connect(condition='i + n_exc != j', p=pconn)
    objs = dict(P=P, Ce=Ce, Ci=Ci, n_exc=n_exc, stim_name=name, stim_opts=sopt,
                stim_objs=[], stim_dur=0 * ms, spikes=b2.SpikeMonitor(P, record=record, name='spk'))
    # Stimulus weight: nS for COBA, pA for CUBA (kick's 100 nS -> 100 nS * 60 mV).
    unit = nS if variant == 'coba' else pA
    if name == 'kick':
        w = sopt['w'] * nS if variant == 'coba' else sopt['w'] * nS * 60 * mV
        src = b2.PoissonGroup(int(sopt['n']), rates=sopt['rate'] * Hz, name='kick')
        syn = b2.Synapses(src, P, on_pre='g_e_post += w_k', delay=DELAY,
                          namespace=dict(w_k=w), name='kick_syn')
        syn.connect(p=sopt['p'])
        objs.update(stim_objs=[src], stim_syn=syn, stim_dur=sopt['dur'] * ms)
    elif name == 'poisson':
        w = par['w_e'] if sopt['w'] is None else sopt['w'] * unit
        inp = b2.PoissonInput(P, 'g_e', N=1, rate=sopt['rate'] * Hz, weight=w)
        objs.update(stim_objs=[inp], stim_dur=sopt['dur'] * ms)
    objs['net'] = b2.Network(P, Ce, Ci, objs['spikes'], *objs['stim_objs'],
                             *([objs['stim_syn']] if 'stim_syn' in objs else []))
    return objs


def cv_isi(trains, t0=0.0, t1=np.inf, min_spikes=2):
    """Mean over neurons with >= min_spikes spikes in [t0, t1) of std(ISI)/mean(ISI).

    With min_spikes=2 a neuron with a single ISI contributes CV = 0."""
    cvs = []
    for t in trains:
        t = t[(t >= t0) & (t < t1)]
        if len(t) >= min_spikes:
            isi = np.diff(t)
            cvs.append(isi.std() / isi.mean())
    return (float(np.mean(cvs)) if cvs else float('nan')), len(cvs)


def summarize(objs, t_stop_ms):
    """Per-population statistics from the SpikeMonitor; times in ms."""
    n_exc = objs['n_exc']
    mon = objs['spikes']
    idx = np.asarray(mon.i[:])
    t = np.asarray(mon.t[:] / ms)
    trains = mon.spike_trains()
    trains = [np.asarray(trains[k] / ms) for k in range(len(objs['P']))]
    win = min(200.0, t_stop_ms)   # 'last 200 ms' window (whole run if shorter)
    out = {}
    for pop, sl in (('exc', slice(0, n_exc)), ('inh', slice(n_exc, len(objs['P'])))):
        npop = sl.stop - sl.start
        sel = (idx >= sl.start) & (idx < sl.stop)
        last = sel & (t >= t_stop_ms - win)
        cv, ncv = cv_isi(trains[sl])
        cv200, ncv200 = cv_isi(trains[sl], t_stop_ms - win, t_stop_ms)
        cv200_3, ncv200_3 = cv_isi(trains[sl], t_stop_ms - win, t_stop_ms, min_spikes=3)
        out[pop] = dict(n_neurons=npop, n_spikes=int(sel.sum()),
                        rate_hz=sel.sum() / npop / (t_stop_ms / 1000),        # Hz
                        rate_last200_hz=last.sum() / npop / (win / 1000),     # Hz
                        cv_isi=cv, n_cv=ncv,                                  # whole run, >= 2 spikes
                        cv_isi_last200=cv200, n_cv_last200=ncv200,           # last 200 ms, >= 2 spikes
                        cv_isi_last200_min3=cv200_3, n_cv_last200_min3=ncv200_3)
    # Delivered recurrent events = sum over spikes of the source's out-degree.
    outdeg = np.concatenate([np.bincount(objs['Ce'].i[:], minlength=n_exc),
                             np.bincount(objs['Ci'].i[:], minlength=len(objs['P']) - n_exc)])
    counts = np.bincount(idx, minlength=len(objs['P']))
    out['delivered_events'] = int((counts * outdeg).sum())
    out['active_at_end'] = bool((t >= t_stop_ms - 100).any())   # any spike in last 100 ms
    out['last_spike_ms'] = float(t.max()) if len(t) else None
    return out


def simulate(variant='coba', n=4000, pconn=0.02, t_stop=1000.0, seed=1,
             stimulus=DEFAULT_STIMULUS, method=None):
    """Build, run t_stop ms, return the JSON-able result dict."""
    t0 = time.perf_counter()
    objs = build(variant, n, pconn, seed, stimulus, method)
    t1 = time.perf_counter()
    net, T = objs['net'], t_stop * ms
    dur = min(objs['stim_dur'], T)
    if dur > 0 * ms:              # stimulus on for the first `dur`, then off
        net.run(dur)
        for o in objs['stim_objs']:
            o.active = False
    if T - dur > 0 * ms:
        net.run(T - dur)
    t2 = time.perf_counter()
    res = dict(variant=variant, n=n, n_exc=objs['n_exc'], n_inh=n - objs['n_exc'],
               pconn=pconn, t_stop_ms=t_stop, dt_ms=float(DT / ms), seed=seed,
               stimulus=dict(name=objs['stim_name'], **objs['stim_opts']),
               method=method or VARIANTS[variant]['method'],
               brian2=b2.__version__, target=b2.prefs.codegen.target, threads=1,
               synapses=dict(exc=len(objs['Ce']), inh=len(objs['Ci']),
                             total=len(objs['Ce']) + len(objs['Ci']),
                             stimulus=len(objs['stim_syn']) if 'stim_syn' in objs else 0),
               spike_time_convention='brian2: stamped at start of the step whose update crossed v > V_th')
    res.update(summarize(objs, t_stop))
    res['wall_s'] = dict(build=t1 - t0, run=t2 - t1)   # run includes code generation
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--variant', choices=sorted(VARIANTS), default='coba')
    ap.add_argument('--n', type=int, default=4000, help='number of neurons')
    ap.add_argument('--pconn', type=float, default=0.02, help='connection probability')
    ap.add_argument('--t-stop', type=float, default=1000.0, help='ms')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--stimulus', default=DEFAULT_STIMULUS,
                    help="none | kick[:rate=10,...] | poisson[:rate=200,dur=50,w=...]")
    ap.add_argument('--method', default=None,
                    help='Brian2 integrator (default: exponential_euler for coba, exact for cuba)')
    ap.add_argument('--json', help='write the result here (default: stdout)')
    a = ap.parse_args(argv)
    res = simulate(a.variant, a.n, a.pconn, a.t_stop, a.seed, a.stimulus, a.method)
    text = json.dumps(res, indent=1)
    if a.json:
        with open(a.json, 'w') as f:
            f.write(text + '\n')
    else:
        print(text)


if __name__ == '__main__':
    main()
