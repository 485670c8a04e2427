"""`spikeforge simulate` end to end: outputs, provenance, config round trip, thread invariance
and every user-error path (exit code, one clear line, nothing partial written)."""
import json
import os
import pathlib

import h5py
import numpy as np
import pytest

from conftest import read_report, read_spikes, run_cli, rate_and_cv

SMALL = ["--n", "1000", "--pconn", "0.05", "--t-stop", "300", "--quiet"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, binary):
    out = tmp_path_factory.mktemp("small")
    run_cli("simulate", *SMALL, "--seed", "3", "--out", out, "--format", "nwb", "--record-v", "exc:0,1")
    return out


def test_outputs_exist_and_nothing_temporary_is_left(small_run):
    names = sorted(os.listdir(small_run))
    assert names == ["config.toml", "report.json", "spikes.h5", "state.h5", "units.nwb"]


def test_sonata_layout_and_provenance(small_run):
    with h5py.File(small_run / "spikes.h5", "r") as f:
        assert set(f["spikes"].keys()) == {"exc", "inh"}
        for pop in ("exc", "inh"):
            g = f["spikes"][pop]
            t = g["timestamps"][()]
            assert g["timestamps"].attrs["units"] in (b"ms", "ms")
            # SONATA's sorting is an HDF5 enum {none, by_id, by_time} (what libsonata reads)
            assert h5py.check_enum_dtype(g.attrs.get_id("sorting").dtype) == {"none": 0, "by_id": 1, "by_time": 2}
            assert g.attrs["sorting"] == 2
            assert np.all(np.diff(t) >= 0), "sorted by time"
            assert g["node_ids"].dtype == np.uint64
            assert t.min() > 0 and t.max() <= 300.0
            # timestamps lie on the 0.1 ms grid
            assert np.allclose(t / 0.1, np.round(t / 0.1), atol=1e-6)
        attrs = f.attrs
        assert int(attrs["seed"]) == 3
        assert int(attrs["threads"]) == 1
        config = attrs["config"]
        config = config.decode() if isinstance(config, bytes) else config
        assert "[[population]]" in config and 'name = "exc"' in config
    ids = read_spikes(small_run / "spikes.h5")
    assert ids["exc"][1].max() < 800 and ids["inh"][1].max() < 200


def test_report_matches_the_spike_file(small_run):
    report = read_report(small_run)
    for key in ("neurons", "synapses", "spikes", "events", "rate_hz", "cv_isi", "time_s", "threads", "seed", "dt_ms",
                "t_stop_ms", "version"):
        assert key in report, key
    assert set(report["time_s"]) >= {"build", "simulate", "write"}
    spikes = read_spikes(small_run / "spikes.h5")
    assert report["spikes"] == sum(len(t) for t, _ in spikes.values())
    assert report["neurons"] == 1000
    # 1000 x 999 x 0.05 expected synapses within 5 sd
    assert abs(report["synapses"] - 49950) < 5 * np.sqrt(49950)
    for pop, n in (("exc", 800), ("inh", 200)):
        t, ids = spikes[pop]
        rate, cv = rate_and_cv(t, ids, n, 0.0, 300.0)
        assert report["rate_hz"][pop] == pytest.approx(rate, rel=1e-9)
        assert report["cv_isi"][pop] == pytest.approx(cv, rel=1e-9)


def test_nwb_units_match_sonata(small_run):
    spikes = read_spikes(small_run / "spikes.h5")
    with h5py.File(small_run / "units.nwb", "r") as f:
        assert f.attrs["neurodata_type"] in (b"NWBFile", "NWBFile")
        units = f["units"]
        st = units["spike_times"][()]
        idx = units["spike_times_index"][()].astype(np.int64)
        ids = units["id"][()]
        assert len(ids) == 1000 and len(idx) == 1000
        starts = np.concatenate([[0], idx[:-1]])
        # unit 5 is exc node 5; unit 800 + k is inh node k
        for pop, offset, node in (("exc", 0, 5), ("inh", 800, 7)):
            t, nodes = spikes[pop]
            expected = np.sort(t[nodes == node]) / 1000.0
            got = st[starts[offset + node]:idx[offset + node]]
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_voltage_traces(small_run):
    with h5py.File(small_run / "state.h5", "r") as f:
        data = f["report/exc/v/data"][()]
        nodes = f["report/exc/v/mapping/node_ids"][()]
        assert list(nodes) == [0, 1]
        assert data.shape == (3000, 2)
        assert np.all(data <= -50.0 + 1e-9) and np.all(data >= -80.0)


def test_print_config_round_trip_gives_identical_spikes(tmp_path, binary, small_run):
    dumped = run_cli("simulate", *SMALL, "--seed", "3", "--print-config").stdout
    assert "[[projection]]" in dumped
    cfg = tmp_path / "va.toml"
    cfg.write_text(dumped)
    out = tmp_path / "from_config"
    run_cli("simulate", cfg, "--out", out, "--quiet")
    a, b = read_spikes(small_run / "spikes.h5"), read_spikes(out / "spikes.h5")
    for pop in a:
        np.testing.assert_array_equal(a[pop][0], b[pop][0])
        np.testing.assert_array_equal(a[pop][1], b[pop][1])
    # the resolved config written next to the results is the same network
    assert (out / "config.toml").read_text().split("[[population]]")[1:] == dumped.split("[[population]]")[1:]


def test_thread_count_does_not_change_a_single_bit(tmp_path, binary):
    results = []
    for threads in (1, 2, 3):
        out = tmp_path / f"t{threads}"
        run_cli("simulate", "--n", "2000", "--t-stop", "400", "--seed", "11", "--threads", threads, "--out", out, "--quiet")
        with h5py.File(out / "spikes.h5", "r") as f:
            results.append({p: (f["spikes"][p]["timestamps"][()].tobytes(), f["spikes"][p]["node_ids"][()].tobytes())
                            for p in f["spikes"]})
        assert read_report(out)["threads"] == threads
    assert len(results[0]["exc"][0]) > 8 * 1000, "the network must be active for the comparison to mean anything"
    assert results[0] == results[1] == results[2]


def test_seed_script_is_expressible_by_flags(tmp_path, binary):
    out = tmp_path / "seed003"
    run_cli("simulate", "--n", "1000", "--pconn", "0.01", "--stimulus", "kick", "--seed", "98765", "--out", out, "--quiet")
    spikes = read_spikes(out / "spikes.h5")
    assert set(spikes) == {"exc", "inh", "stimulus"}
    t, ids = spikes["stimulus"]
    assert ids.max() < 20 and t.max() <= 50.0
    config = (out / "config.toml").read_text()
    assert 'model = "poisson_source"' in config and "weight = 100.0" in config


def expect_usage_error(args, message_part, tmp_path):
    out = tmp_path / "never"
    proc = run_cli("simulate", *args, "--out", out, "--quiet", check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert message_part in lines[0], lines[0]
    assert not out.exists() or not any(out.iterdir()), "nothing may be written for a rejected run"


def network_toml(tmp_path, population_extra="", projection_extra="", connector='rule = "fixed_probability", p = 0.1',
                 delay="1.0"):
    text = f"""
[[population]]
name = "a"
model = "iaf_cond_exp"
n = 10
{population_extra}

[[projection]]
source = "a"
target = "a"
receptor = "excitatory"
connector = {{ {connector} }}
weight = 1.0
delay_ms = {delay}
{projection_extra}
"""
    path = tmp_path / "net.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("case,message", [
    ("unknown_key", "net.toml:6: population[0].colour: unknown key"),
    ("tau_m", "population.a: tau_m must be > 0 ms (got -5)"),
    ("v_reset", "population.a: v_reset must be < v_th (got -40)"),
    ("delay", "delay must be >= dt = 0.1 ms (lowest possible 0.05 ms)"),
    ("p", "projection[0].connector.p: must be in [0, 1] (got 1.2)"),
    ("unknown_param", "population.a.tau_x: unknown parameter of model iaf_cond_exp"),
])
def test_config_errors_exit_2_with_one_line(tmp_path, binary, case, message):
    kwargs = {
        "unknown_key": dict(population_extra="colour = 1"),
        "tau_m": dict(population_extra="params = { tau_m = -5.0 }"),
        "v_reset": dict(population_extra="params = { v_reset = -40.0 }"),
        "delay": dict(delay="0.05"),
        "p": dict(connector='rule = "fixed_probability", p = 1.2'),
        "unknown_param": dict(population_extra="params = { tau_x = 1.0 }"),
    }[case]
    expect_usage_error([network_toml(tmp_path, **kwargs)], message, tmp_path)


def test_flag_errors(tmp_path, binary):
    expect_usage_error(["--pconn", "1.5"], "model.pconn: must be in [0, 1] (got 1.5)", tmp_path)
    expect_usage_error(["--dt", "0"], "simulation.dt_ms: must be > 0 (got 0)", tmp_path)
    expect_usage_error(["--variant", "hh"], "model.variant: must be 'coba' or 'cuba'", tmp_path)
    expect_usage_error(["--threads", "0"], "simulation.threads: must be in [1, 1024] (got 0)", tmp_path)
    expect_usage_error(["--record-v", "exc:9999"], "neuron 9999 does not exist", tmp_path)
    expect_usage_error(["--t-stop", "abc"], "--t-stop", tmp_path)
    cfg = network_toml(tmp_path)
    expect_usage_error([cfg, "--n", "100"], "apply to a built-in model", tmp_path)


def test_unwritable_output_is_rejected_before_running(tmp_path, binary):
    # A path below a regular file can never be created, even by root.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("simulate", "--t-stop", "10", "--out", blocker / "out", "--quiet", check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "output directory" in lines[0] and str(blocker / "out") in lines[0]


def test_help_and_version(binary):
    assert run_cli("--version").stdout.startswith("spikeforge ")
    text = run_cli("simulate", "--help").stdout
    for option in ("--model", "--variant", "--n", "--pconn", "--t-stop", "--dt", "--threads", "--seed", "--out",
                   "--format", "--record-v", "--print-config"):
        assert option in text, option
    assert "[ms]" in text


def test_seed003_example_config_runs(tmp_path, binary):
    root = pathlib.Path(__file__).resolve().parents[2]
    out = tmp_path / "seed003"
    run_cli("simulate", root / "examples" / "vogels_abbott_seed003.toml", "--out", out, "--quiet")
    report = read_report(out)
    assert report["seed"] == 98765 and report["neurons"] == 1020  # 1000 + 20 Poisson sources
    with h5py.File(out / "state.h5", "r") as f:
        assert f["report/exc/v/data"].shape == (10000, 2)


def test_progress_line_only_on_a_terminal(tmp_path, binary):
    """A run of several seconds shows progress on stderr when stderr is a TTY (run under
    script(1), which provides one), and nothing when it is a pipe."""
    import subprocess
    args = f"{binary} simulate --n 256000 --pconn 0.0003125 --t-stop 1000 --out {tmp_path / 'tty'}"
    tty = subprocess.run(["script", "-qec", args, "/dev/null"], capture_output=True, text=True, timeout=300,
                         stdin=subprocess.DEVNULL)
    assert tty.returncode == 0, tty.stdout
    assert "simulating" in tty.stdout and "ms (" in tty.stdout
    piped = run_cli("simulate", "--n", "256000", "--pconn", "0.0003125", "--t-stop", "1000", "--out", tmp_path / "pipe")
    assert "simulating" not in piped.stderr and "simulating" not in piped.stdout


def test_analysis_example_script_runs(tmp_path, binary):
    root = pathlib.Path(__file__).resolve().parents[2]
    import subprocess
    proc = subprocess.run([str(root / "examples" / "analyse_a_run.sh"), str(tmp_path)], capture_output=True, text=True,
                          env=dict(os.environ, SPIKEFORGE=str(binary)), timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    for name in ("stats.json", "spikes.csv", "bursts.csv", "raster.png", "rate.png", "stats.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    stats = json.loads((tmp_path / "stats.json").read_text())
    rates = {p["name"]: p["mean_rate_hz"] for p in stats["populations"]}
    assert set(rates) == {"exc", "inh"} and all(10 <= r <= 20 for r in rates.values()), rates
    assert stats["window_ms"][0] == 200


def test_peak_memory_is_the_commands_own_not_its_parents(binary, tmp_path):
    # Linux carries getrusage's ru_maxrss across execve: a command started by a big process (a
    # notebook, pytest) used to report the parent's peak as its own. The parent here holds 400 MB.
    parent = ("import subprocess, sys, numpy as np; big = np.ones(50_000_000); "
              "subprocess.run(sys.argv[1:], check=True)")
    import subprocess
    subprocess.run(["/usr/bin/python3", "-c", parent, str(binary), "simulate", "--n", "1000", "--t-stop", "50",
                    "--out", str(tmp_path), "-q"], check=True, timeout=300)
    assert 1.0 < read_report(tmp_path)["peak_rss_mb"] < 200.0
