"""The same PyNN script on pyNN.spikeforge and on pyNN.brian2 (Debian's python3-brian): the same
statistics within stated tolerances (issue 9, differential layer of DESIGN.md §5).

The network is drawn by the script itself (numpy, FromListConnector with a fixed in-degree, one
independent Poisson drive per neuron), so both simulators run the very same connectivity and
initial values; only the Poisson drive's random numbers and the integration schemes differ
(spikeforge: exact conductance decay + midpoint V; brian2: its own state updater). The
tolerances are from the seed-to-seed spread measured on both (rates +-5 %, CV +-0.03): the mean
over two seeds must agree within 10 % for rates and 0.1 for the CV of ISIs. A DC-driven neuron
(deterministic) must fire with the same period within one time step.
"""
import math

import numpy as np
import pytest

import pyNN.brian2
import pyNN.spikeforge

N_EXC, N_INH, K_EXC, K_INH = 800, 200, 40, 10
DRIVE_HZ, W_DRIVE, W_EXC, W_INH = 500.0, 0.002, 0.002, 0.02  # uS
T_STOP, T_SETTLE = 1000.0, 200.0  # ms


def fixed_indegree(rs, n_pre, n_post, k):
    pre = np.concatenate([rs.choice(n_pre, k, replace=False) for _ in range(n_post)])
    return np.column_stack([pre, np.repeat(np.arange(n_post), k)])


def driven_network(sim, seed):
    """(rate [Hz], CV) of the excitatory and inhibitory cells of the driven E/I network."""
    sim.setup(timestep=0.1, min_delay=0.2, max_delay=1.0)
    rs = np.random.RandomState(seed)
    n = N_EXC + N_INH
    cells = sim.Population(n, sim.IF_cond_exp(tau_m=20.0, tau_syn_E=5.0, tau_syn_I=10.0, v_rest=-60.0,
                                              v_reset=-60.0, v_thresh=-50.0, cm=0.2, tau_refrac=5.0,
                                              e_rev_E=0.0, e_rev_I=-80.0))
    cells.initialize(v=rs.uniform(-60.0, -50.0, n))
    exc, inh = cells[:N_EXC], cells[N_EXC:]
    drive = sim.Population(n, sim.SpikeSourcePoisson(rate=DRIVE_HZ))
    sim.Projection(exc, cells, sim.FromListConnector(fixed_indegree(rs, N_EXC, n, K_EXC)),
                   sim.StaticSynapse(weight=W_EXC, delay=0.2), receptor_type="excitatory")
    sim.Projection(inh, cells, sim.FromListConnector(fixed_indegree(rs, N_INH, n, K_INH)),
                   sim.StaticSynapse(weight=W_INH, delay=0.2), receptor_type="inhibitory")
    sim.Projection(drive, cells, sim.OneToOneConnector(), sim.StaticSynapse(weight=W_DRIVE, delay=0.2),
                   receptor_type="excitatory")
    cells.record("spikes")
    sim.run(T_STOP)
    out = []
    for part in (exc, inh):
        trains = [np.asarray(st.rescale("ms").magnitude) for st in part.get_data().segments[0].spiketrains]
        rate = sum(np.count_nonzero(t > T_SETTLE) for t in trains) / len(trains) / ((T_STOP - T_SETTLE) / 1000.0)
        cv = np.mean([np.diff(t).std() / np.diff(t).mean() for t in trains if len(t) > 3])
        out.append((rate, cv))
    sim.end()
    return np.array(out)


def test_driven_network_statistics_agree_with_brian2():
    ours = np.mean([driven_network(pyNN.spikeforge, seed) for seed in (1, 2)], axis=0)
    theirs = np.mean([driven_network(pyNN.brian2, seed) for seed in (1, 2)], axis=0)
    assert np.all(ours[:, 0] > 5.0), "the network must be active for the comparison to mean anything"
    np.testing.assert_allclose(ours[:, 0], theirs[:, 0], rtol=0.10, err_msg="rates [Hz] (exc, inh)")
    np.testing.assert_allclose(ours[:, 1], theirs[:, 1], atol=0.10, err_msg="CV of ISIs (exc, inh)")


def dc_period(sim, celltype):
    sim.setup(timestep=0.1)
    cell = sim.Population(1, celltype(cm=0.5, tau_m=15.0, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0,
                                      tau_refrac=2.0, i_offset=0.8))
    cell.record("spikes")
    sim.run(300.0)
    times = np.asarray(cell.get_data().segments[0].spiketrains[0].rescale("ms").magnitude)
    sim.end()
    return np.diff(times).mean(), len(times)


@pytest.mark.parametrize("celltype", ["IF_cond_exp", "IF_cond_alpha", "IF_curr_exp", "IF_curr_alpha"])
def test_dc_driven_period_agrees_with_brian2(celltype):
    ours, n_ours = dc_period(pyNN.spikeforge, getattr(pyNN.spikeforge, celltype))
    theirs, n_theirs = dc_period(pyNN.brian2, getattr(pyNN.brian2, celltype))
    assert n_ours > 10 and abs(n_ours - n_theirs) <= 1
    # Closed form (no synaptic input, so every cell type is the same LIF): the crossing time from
    # reset, on the 0.1 ms grid our exact integration puts the spike on the first step past it.
    r_i = 0.8 * 15.0 / 0.5  # nA x MOhm = mV
    analytic = 2.0 + 15.0 * math.log(r_i / (r_i - 15.0))
    assert analytic <= ours < analytic + 0.1 + 1e-9
    # brian2 (pyNN.brian2's state updaters; measured: 16.6 ms for IF_cond_exp, whose equations it
    # does not integrate exactly, against the analytic 16.71) within two steps.
    assert abs(ours - theirs) < 0.2 + 1e-9
