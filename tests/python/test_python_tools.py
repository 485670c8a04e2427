"""The Python module beyond simulation (issue 9): bursts, calcium inference and scoring, figures
and the CLI's commands run in-process, each checked against the CLI on the same files (outputs
equal), plus errors, help() and `pip install .`.
"""
import csv
import json
import os
import pydoc
import subprocess

import numpy as np
import pytest

from conftest import PYTHON_DIR, ROOT, run_cli

import spikeforge as sf


def bursty_spikes(rng, units=200, t_stop_ms=4000.0, burst_starts_ms=(500.0, 1700.0, 3100.0)):
    """Background Poisson firing plus synchronous bursts (every unit fires ~3 spikes in 30 ms)."""
    times = [rng.uniform(0.0, t_stop_ms, size=units * 2)]
    ids = [rng.integers(0, units, size=units * 2)]
    for start in burst_starts_ms:
        n = units * 3
        times.append(start + rng.uniform(0.0, 30.0, size=n))
        ids.append(rng.integers(0, units, size=n))
    times = np.round(np.concatenate(times), 1)  # on the 0.1 ms grid, as a simulator writes them
    return sf.SpikeData(times, np.concatenate(ids), unit_count=units, t_start_ms=0.0, t_stop_ms=t_stop_ms)


def read_csv_columns(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    # An empty field is the first burst's undefined IBI (NaN).
    return {key: np.array([float(r[key] or "nan") for r in rows]) for key in rows[0]} if rows else {}


@pytest.mark.parametrize("method", ["avalanche", "binned"])
def test_bursts_equal_the_clis(binary, tmp_path, method):
    data = bursty_spikes(np.random.default_rng(4))
    sf.write_spikes(data, tmp_path / "spikes.csv")
    again = sf.read_spikes(tmp_path / "spikes.csv")
    if method == "avalanche":
        run_cli("bursts", tmp_path / "spikes.csv", "--threshold", 300, "-o", tmp_path / "b.csv", "--quiet")
        ours = sf.bursts(again, threshold=300)
        columns = {"ID": "id", "StartRow": "start_row", "EndRow": "end_row", "StartT": "start_step",
                   "EndT": "end_step", "Width": "width", "TotalSpikes": "total_spikes", "IBI": "ibi_steps"}
    else:
        run_cli("bursts", tmp_path / "spikes.csv", "--method", "binned", "--bin-ms", 10, "--min-rate", 0.05,
                "-o", tmp_path / "b.csv", "--quiet")
        ours = sf.bursts(again, method="binned", bin_ms=10.0, min_rate=0.05)
        columns = {"ID": "id", "StartBin": "start_bin", "EndBin": "end_bin", "StartMs": "start_ms",
                   "EndMs": "end_ms", "WidthBins": "width_bins", "TotalSpikes": "total_spikes",
                   "PeakBin": "peak_bin", "IBIMs": "ibi_ms"}
    cli = read_csv_columns(tmp_path / "b.csv")
    assert len(ours["id"]) == 3, "the three planted bursts must be found"
    for theirs, mine in columns.items():
        np.testing.assert_allclose(np.asarray(ours[mine], dtype=float), cli[theirs], rtol=1e-9, equal_nan=True,
                                   err_msg=mine)
    with pytest.raises(sf.ConfigError, match="method"):
        sf.bursts(again, method="sliding")


def noisy_calcium(rng, neurons=3, samples=3000, rate_hz=100.0):
    """Spikes convolved with an exponential transient (tau 0.5 s) plus noise, ragged lengths."""
    spikes = rng.poisson(0.02, size=(neurons, samples)).astype(float)
    kernel = np.exp(-np.arange(0, 300) / (0.5 * rate_hz))
    traces = [np.convolve(s, kernel)[:samples] + rng.normal(0, 0.05, samples) for s in spikes]
    traces[1] = traces[1][:2500]
    return traces, [s[:len(t)] for s, t in zip(spikes, traces)]


@pytest.mark.parametrize("method", ["oasis", "cnn"])
def test_calcium_inference_and_score_equal_the_clis(binary, tmp_path, method):
    traces, truth = noisy_calcium(np.random.default_rng(9))
    sf.calcium.write_traces(tmp_path / "traces.npy", traces, rate_hz=100.0)
    sf.calcium.write_traces(tmp_path / "truth.csv", truth, rate_hz=100.0)
    run_cli("calcium", "infer", tmp_path / "traces.npy", "-o", tmp_path / "cli.npy", "--method", method, "--quiet")
    cli = np.load(tmp_path / "cli.npy")
    ours = sf.calcium.infer(traces, rate_hz=100.0, method=method)
    assert [len(p) for p in ours] == [len(t) for t in traces]
    np.testing.assert_allclose(sf.calcium.padded(ours), cli, rtol=1e-9, atol=1e-12, equal_nan=True)

    sf.calcium.write_traces(tmp_path / "pred.csv", ours)
    score = json.loads(run_cli("calcium", "eval", tmp_path / "pred.csv", tmp_path / "truth.csv", "--json", "-").stdout)
    mine = sf.calcium.evaluate(ours, truth)
    # Independent: numpy's correlation of 4-sample sums, neuron by neuron.
    for p, t, r in zip(ours, truth, mine["correlation"]):
        k = len(p) // 4 * 4
        expected = np.corrcoef(p[:k].reshape(-1, 4).sum(1), t[:k].reshape(-1, 4).sum(1))[0, 1]
        assert r == pytest.approx(expected, abs=1e-9)
    assert mine["mean"] == pytest.approx(np.mean(mine["correlation"]), abs=1e-12)
    cli_mean = score["mean"] if "mean" in score else score["mean_correlation"]
    assert mine["mean"] == pytest.approx(cli_mean, abs=1e-6)
    assert mine["mean"] > 0.3, "inference on clean synthetic data must track the spikes"


def test_calcium_errors_and_round_trip(tmp_path):
    traces, _ = noisy_calcium(np.random.default_rng(2), neurons=2, samples=500)
    sf.calcium.write_traces(tmp_path / "t.h5", traces, rate_hz=30.0)
    back, rate, names = sf.calcium.read_traces(tmp_path / "t.h5")
    assert rate == 30.0 and names == ["0", "1"]
    for a, b in zip(back, traces):
        np.testing.assert_array_equal(a, b)
    broken = np.array(traces[0])
    broken[100] = np.nan
    with pytest.raises(sf.InputError, match="NaN"):
        sf.calcium.infer([broken], method="oasis")
    with pytest.raises(sf.ConfigError, match="method"):
        sf.calcium.infer(traces, method="magic")
    (tmp_path / "bad.csv").write_text("0,1\n1.0,abc\n")
    with pytest.raises(sf.InputError, match="bad.csv"):
        sf.calcium.read_traces(tmp_path / "bad.csv")


def test_in_process_commands_write_what_the_cli_writes(binary, tmp_path):
    synth = dict(neurons=400, max_spikes=500, seed=3, first_burst=1, mean_ibi=3, quiet=True)
    sf.braingrid("synth", out=tmp_path / "py.h5", **synth)
    run_cli("braingrid", "synth", "-o", tmp_path / "cli.h5", "--neurons", 400, "--max-spikes", 500, "--seed", 3,
            "--first-burst", 1, "--mean-ibi", 3, "--quiet")
    sf.run_command("braingrid", "table", tmp_path / "py.h5", "-o", tmp_path / "py.csv", "--quiet")
    run_cli("braingrid", "table", tmp_path / "cli.h5", "-o", tmp_path / "cli.csv", "--quiet")
    py_table, cli_table = (tmp_path / "py.csv").read_bytes(), (tmp_path / "cli.csv").read_bytes()
    assert py_table == cli_table and py_table.count(b"\n") > 100
    sf.braingrid("windows", tmp_path / "py.h5", detect=True, threshold=200, sizes=[5, 10], gap=50, quiet=True,
                 out=tmp_path / "w")
    assert (tmp_path / "w" / "temp_5.csv").exists() and (tmp_path / "w" / "allBurst.csv").exists()

    out = sf.plot("raster", tmp_path / "py.h5", out=tmp_path / "raster.png")
    assert (tmp_path / "raster.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out == tmp_path / "raster.png"


def test_in_process_command_errors_carry_the_clis_message(binary, tmp_path):
    proc = run_cli("braingrid", "table", tmp_path / "missing.h5", "-o", tmp_path / "x.csv", check=False)
    assert proc.returncode == 2
    with pytest.raises(sf.ConfigError) as err:
        sf.run_command("braingrid", "table", tmp_path / "missing.h5", "-o", tmp_path / "x.csv")
    assert str(err.value) in proc.stderr
    (tmp_path / "junk.h5").write_bytes(b"not an hdf5 file at all")
    proc = run_cli("braingrid", "table", tmp_path / "junk.h5", "-o", tmp_path / "x.csv", check=False)
    with pytest.raises(sf.SpikeforgeError if proc.returncode == 1 else sf.InputError) as err:
        sf.run_command("braingrid", "table", tmp_path / "junk.h5", "-o", tmp_path / "x.csv")
    assert str(err.value) in proc.stderr and proc.returncode in (1, 3)
    assert not (tmp_path / "x.csv").exists(), "no partial output"
    proc = run_cli("stats", tmp_path / "junk.h5", "--no-such-option", "1", check=False)
    assert proc.returncode == 2
    with pytest.raises(sf.ConfigError) as err:
        sf.command("stats", tmp_path / "junk.h5", no_such_option=1)
    assert str(err.value) in proc.stderr


def test_figures_are_matplotlib_figures_of_the_data():
    import matplotlib
    matplotlib.use("Agg")
    data = bursty_spikes(np.random.default_rng(1), units=50, t_stop_ms=1000.0, burst_starts_ms=(400.0,))
    fig = sf.figures.raster(data)
    offsets = fig.axes[0].collections[0].get_offsets()
    assert len(offsets) == data.times_ms.size
    np.testing.assert_array_equal(np.sort(offsets[:, 0]), np.sort(data.times_ms))
    fig = sf.figures.rates(data, rate_kernel_sigma_ms=5.0)
    t, rate = fig.axes[0].lines[0].get_data()
    # The smoothed rate integrates to the spike count / units (Hz x s).
    assert np.sum(rate) * (t[1] - t[0]) / 1000.0 == pytest.approx(data.times_ms.size / 50, rel=0.02)
    assert t[np.argmax(rate)] == pytest.approx(415.0, abs=20.0)


def test_help_documents_units_and_entry_points():
    text = pydoc.render_doc(sf, renderer=pydoc.plaintext)
    for word in ("Simulation", "Network", "read_spikes", "bursts", "calcium", "run_command", "[ms]", "mV"):
        assert word in text, word
    assert "ms" in sf.Simulation.run.__doc__ and "Hz" in sf.calcium.infer.__doc__


def test_pip_install_offline_into_a_target_folder(tmp_path):
    """`pip install .` without network or build isolation, reusing the tests' build tree."""
    target = tmp_path / "site"
    env = dict(os.environ, SPIKEFORGE_BUILD_DIR=str(PYTHON_DIR.parent), PIP_NO_INDEX="1")
    subprocess.run(["/usr/bin/python3", "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
                    "--target", str(target), str(ROOT)], check=True, capture_output=True, text=True, env=env,
                   timeout=900, cwd=tmp_path)
    assert (target / "spikeforge-pynn.pth").exists()
    probe = ("import site, sys; site.addsitedir(%r); import spikeforge, pyNN.spikeforge as sim; "
             "print(spikeforge.__file__); print(sim.__file__)" % str(target))
    out = subprocess.run(["/usr/bin/python3", "-S", "-c", "import sys; sys.path.append('/usr/lib/python3/dist-packages'); "
                          + probe], check=True, capture_output=True, text=True, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(target)) and out[1].startswith(str(target))


def test_pile_rows_read_as_duckdb_reads_them_and_round_trip(binary, tmp_path):
    from test_pile_build import make_sessions
    from test_pile_dataset import all_rows
    make_sessions(tmp_path / "nwb", n_subjects=2, per_subject=2, seed=5, units=4, duration_s=30.0)
    sf.pile("build", tmp_path / "nwb", out=tmp_path / "pile", max_tokens=1000, quiet=True)
    ours = list(sf.datasets.read_pile(tmp_path / "pile"))
    theirs = all_rows(tmp_path / "pile")  # DuckDB (npm), an independent Parquet reader
    assert len(ours) == len(theirs) > 4
    key = lambda r: (r["subject_id"], r["session_id"], r["segment_id"])  # noqa: E731
    for a, b in zip(sorted(ours, key=key), sorted(theirs, key=key)):
        assert key(a) == key(b) and a["spike_counts"].dtype == np.uint8
        np.testing.assert_array_equal(a["spike_counts"], b["spike_counts"])
    sf.datasets.write_pile_shard(tmp_path / "copy.parquet", ours)
    again = list(sf.datasets.read_pile(tmp_path / "copy.parquet"))
    assert [key(r) for r in again] == [key(r) for r in ours]
    for a, b in zip(again, ours):
        np.testing.assert_array_equal(a["spike_counts"], b["spike_counts"])
    with pytest.raises(FileNotFoundError, match="nowhere: no such file"):
        list(sf.datasets.read_pile(tmp_path / "nowhere"))


def test_missing_inputs_are_file_not_found_errors(tmp_path):
    missing = tmp_path / "missing.h5"
    for call in (lambda: sf.read_spikes(missing), lambda: sf.calcium.read_traces(missing),
                 lambda: sf.Network.from_config(missing), lambda: sf.simulate(config=missing)):
        with pytest.raises(FileNotFoundError) as err:
            call()
        assert isinstance(err.value, sf.SpikeforgeIOError) and err.value.filename == str(missing)
        assert str(err.value) == f"{missing}: no such file"
