"""The Python module `spikeforge` (issue 9): the same engine as the CLI, errors with the CLI's
messages, readers/writers and statistics as numpy arrays.

References are independent of the module: the CLI's own output files (read with h5py), closed
forms, and numpy computations of the statistics.
"""
import math

import numpy as np
import pytest

from conftest import ROOT, read_spikes, run_cli

import spikeforge as sf

SEED003_TOML = ROOT / "examples" / "vogels_abbott_seed003.toml"


def _api_spikes(sim, names):
    return {name: sim.spikes(name) for name in names}


def _assert_same_spikes(cli, api):
    assert set(cli) == set(api)
    total = 0
    for name, (t_cli, ids_cli) in cli.items():
        t_api, ids_api = api[name]
        # The CLI file and the module both order spikes by (time, id); times are step x dt.
        np.testing.assert_array_equal(ids_api, ids_cli, err_msg=name)
        np.testing.assert_allclose(t_api, t_cli, rtol=0, atol=1e-9, err_msg=name)
        total += len(t_cli)
    return total


@pytest.mark.parametrize("threads", [1, 2])
def test_builtin_model_spikes_equal_the_clis(binary, tmp_path, threads):
    run_cli("simulate", "--n", 1000, "--t-stop", 300, "--seed", 3, "--threads", 2, "--out", tmp_path, "--quiet")
    cli = read_spikes(tmp_path / "spikes.h5")
    sim = sf.Simulation(sf.Network.builtin("vogels-abbott", n=1000, t_stop_ms=300.0, seed=3), threads=threads)
    sim.run()
    total = _assert_same_spikes(cli, _api_spikes(sim, cli))
    assert total > 1000, "the network must be active for the comparison to mean anything"


def test_config_file_spikes_and_state_equal_the_clis(binary, tmp_path):
    run_cli("simulate", SEED003_TOML, "--out", tmp_path, "--quiet")
    cli = read_spikes(tmp_path / "spikes.h5")
    sim = sf.simulate(config=SEED003_TOML)
    assert sim.time_ms == pytest.approx(1000.0)
    total = _assert_same_spikes(cli, _api_spikes(sim, cli))
    assert total > 100
    import h5py
    recorded = sim.recorded()
    assert [(r["population"], r["field"], list(r["nodes"])) for r in recorded] == [("exc", "v", [0, 1])]
    with h5py.File(tmp_path / "state.h5", "r") as f:
        datasets = []
        f.visititems(lambda name, obj: datasets.append(obj[()]) if hasattr(obj, "shape") and obj.ndim == 2 else None)
    assert any(d.shape == recorded[0]["values"].shape and np.array_equal(d, recorded[0]["values"]) for d in datasets)


def test_continued_runs_equal_one_run():
    net = lambda: sf.Network.builtin("vogels-abbott", n=800, seed=5)  # noqa: E731
    one = sf.Simulation(net()).run(200.0)
    two = sf.Simulation(net()).run(70.0).run(130.0)
    assert two.time_ms == pytest.approx(200.0)
    for name in ("exc", "inh"):
        a, b = one.spikes(name), two.spikes(name)
        np.testing.assert_array_equal(a.ids, b.ids)
        np.testing.assert_array_equal(a.times_ms, b.times_ms)


def test_errors_are_value_errors_with_the_clis_message(binary, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SEED003_TOML.read_text().replace("pconn = 0.01\n", "pconn = 1.5\n", 1))
    proc = run_cli("simulate", bad, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2
    with pytest.raises(sf.ConfigError) as err:
        sf.simulate(config=bad)
    assert isinstance(err.value, ValueError)
    assert proc.stderr.strip() == "spikeforge: error: " + str(err.value)

    net = sf.Network().add_population("x", "iaf_cond_exp", 3, tau_m=-5.0)
    with pytest.raises(ValueError, match=r"^population.x: tau_m must be > 0 ms \(got -5\)$"):
        sf.Simulation(net)


def test_malformed_file_is_an_input_error_with_the_clis_message(binary, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("time_ms,unit\n1.0,0\nabc,1\n")
    proc = run_cli("info", path, check=False)
    assert proc.returncode == 3
    with pytest.raises(sf.InputError) as err:
        sf.read_spikes(path)
    assert isinstance(err.value, ValueError)
    assert proc.stderr.strip() == "spikeforge: error: " + str(err.value)


def test_dc_driven_neuron_fires_with_the_analytic_period():
    # iaf_psc_exp is integrated exactly: the period is the continuous one rounded up to the grid.
    c_m, tau_m, e_l, v_th, t_ref, i_pa, dt = 250.0, 10.0, -70.0, -55.0, 2.0, 500.0, 0.1
    net = sf.Network().add_population("n", "iaf_psc_exp", 1, c_m=c_m, tau_m=tau_m, e_l=e_l, v_th=v_th,
                                      v_reset=e_l, t_ref=t_ref)
    net.stimulate_dc("n", i_pa)
    sim = sf.Simulation(net, dt_ms=dt).run(300.0)
    times = sim.spikes("n").times_ms
    r_i = i_pa * tau_m / c_m  # R I [mV]
    period = t_ref + tau_m * math.log(r_i / (r_i - (v_th - e_l)))
    grid_period = round(t_ref / dt) * dt + math.ceil((period - t_ref) / dt) * dt
    assert len(times) > 10
    np.testing.assert_allclose(np.diff(times), grid_period, atol=1e-9)
    assert abs(grid_period - period) < dt


def test_explicit_synapse_lists_and_per_neuron_initial_values():
    net = sf.Network()
    net.add_population("src", "spike_source_array", 3, spike_times_ms=[[1.0], [2.0], [3.0]])
    net.add_population("dst", "iaf_psc_exp", 2, v_th=100.0, initial={"v": np.array([-70.0, -60.0])})
    net.connect("src", "dst", "from_list", sources=[0, 1, 2, 2], targets=[0, 0, 1, 0],
                weights=[100.0, 200.0, 300.0, 400.0], delays_ms=[1.0, 0.5, 2.0, 1.0])
    net.record("dst", "v")
    sim = sf.Simulation(net).run(10.0)
    c = sim.connections(0)
    pairs = sorted(zip(c["source"], c["target"], c["weight"], c["delay_ms"]))
    assert pairs == [(0, 0, 100.0, 1.0), (1, 0, 200.0, 0.5), (2, 0, 400.0, 1.0), (2, 1, 300.0, 2.0)]
    v = sim.recorded()[0]["values"]
    # Neuron 1 starts at -60 and relaxes towards E_L = -70 with tau_m = 10 ms until its input.
    assert v[0, 1] == pytest.approx(-70.0 + 10.0 * math.exp(-0.1 / 10.0), abs=1e-12)
    with pytest.raises(sf.ConfigError, match="index 7 out of range"):
        sf.Network().add_population("a", "iaf_psc_exp", 2).connect("a", "a", "from_list", sources=[7], targets=[0])


def test_read_write_and_stats_agree_with_h5py_and_numpy(binary, tmp_path):
    run_cli("simulate", "--n", 1000, "--t-stop", 500, "--seed", 2, "--out", tmp_path, "--quiet")
    data = sf.read_spikes(tmp_path / "spikes.h5")
    reference = read_spikes(tmp_path / "spikes.h5")
    assert data.format == "sonata"
    for name, (t, ids) in reference.items():
        t_api, ids_api = data.population(name)
        order_ref, order_api = np.lexsort((ids, t)), np.lexsort((ids_api, t_api))
        np.testing.assert_allclose(t_api[order_api], t[order_ref])
        np.testing.assert_array_equal(ids_api[order_api], ids[order_ref])

    summary = sf.stats(data, t_start_ms=0.0, t_stop_ms=500.0)
    by_name = {p["name"]: p for p in summary["populations"]}
    for name, (t, ids) in reference.items():
        n = by_name[name]["units"]
        assert by_name[name]["mean_rate_hz"] == pytest.approx(len(t) / n / 0.5, rel=1e-12)
        isis = [np.diff(np.sort(t[ids == u])) for u in np.unique(ids)]
        cvs = [i.std() / i.mean() for i in isis if len(i) >= 2]
        assert by_name[name]["cv_isi"] == pytest.approx(np.mean(cvs), rel=1e-9)

    out = tmp_path / "copy.csv"
    sf.write_spikes(data, out)
    again = sf.read_spikes(out)
    np.testing.assert_allclose(np.sort(again.times_ms), np.sort(data.times_ms), atol=1e-6)
    assert again.times_ms.size == data.times_ms.size


def test_models_are_described_with_units():
    models = sf.models()
    assert {"iaf_cond_exp", "iaf_psc_exp", "iaf_psc_alpha", "poisson_source", "spike_source_array"} <= set(models)
    assert models["iaf_cond_exp"]["params"]["c_m"] == (1000.0, "pF")
    assert models["iaf_cond_exp"]["fields"]["g_e"] == "nS"
    assert models["iaf_psc_alpha"]["receptors"] == ["excitatory", "inhibitory"]
    assert "ms" in sf.Simulation.run.__doc__ and "Units" in sf.__doc__


def test_node_ids_numbers_and_run_settings_round_trip(tmp_path):
    # Writers number units 0..n-1 per population (their row), as `spikeforge convert` does.
    data = sf.SpikeData([1.0, 2.0, 3.0], [0, 1, 1], unit_count=2, node_id=[100, 205], t_stop_ms=10.0)
    sf.write_spikes(data, tmp_path / "s.h5")
    back = sf.read_spikes(tmp_path / "s.h5")
    assert list(back.node_id) == [0, 1] and list(back.units) == [0, 1, 1]
    net = sf.Network()
    net.add_population("a", "iaf_psc_exp", 3, initial={"v": np.float32(-60.0)}, i_e=np.int64(400))
    with pytest.raises(sf.ConfigError, match="whole number"):
        net.connect("a", "a", "from_list", sources=[0.7], targets=[1])
    sim = sf.Simulation(net, dt_ms=0.05, t_stop_ms=10.0)
    assert sim.dt_ms == 0.05
    assert sf.Simulation(net).dt_ms == 0.1, "a Simulation's run settings must not change the Network"
