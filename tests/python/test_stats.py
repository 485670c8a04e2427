"""`spikeforge stats` against an independent numpy/scipy computation of every statistic
(docs/statistics.md), on SONATA files written here with h5py and on `spikeforge simulate` output,
plus known answers (Poisson: CV ~ 1, LvR ~ 1 + 4 R rate, Fano ~ 1; regular: CV = LvR = 0) and
the error paths.

Tolerances: deterministic statistics agree to rel 1e-9 (only summation order and the streaming
vs two-pass moments differ, ~1e-15 relative); the known answers of random trains use bounds of
several standard deviations of the estimator, stated at each assert. The random trains come
from fixed seeds, so a failure is a real difference, never bad luck on a rerun."""
import csv
import json
import pathlib

import h5py
import numpy as np
import pytest
from scipy.ndimage import convolve1d

from conftest import read_spikes, run_cli, SHARED_DATA

R_MS = 2.0  # LvR refractoriness (the multi-area model's analysis)
RTOL = 1e-9


# --- test data -------------------------------------------------------------------------------

def write_sonata(path, populations):
    """populations: {name: (times_ms, node_ids)} -> a SONATA spike file (times in ms)."""
    with h5py.File(path, "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        spikes = f.create_group("spikes")
        for name, (t, ids) in populations.items():
            order = np.argsort(t, kind="stable")
            g = spikes.create_group(name)
            ts = g.create_dataset("timestamps", data=np.asarray(t, dtype=np.float64)[order])
            ts.attrs["units"] = "ms"
            g.create_dataset("node_ids", data=np.asarray(ids, dtype=np.uint64)[order])
    return path


def poisson_population(rng, n, rate_hz, t_stop_ms):
    """n independent Poisson trains of rate_hz on [0, t_stop_ms] (times rounded to 0.1 ms, as a
    simulator records them; a unit never fires twice in one 0.1 ms step)."""
    times, ids = [], []
    for i in range(n):
        count = rng.poisson(rate_hz * t_stop_ms / 1000.0)
        t = np.unique(np.round(rng.uniform(0.0, t_stop_ms, count), 1))
        times.append(t)
        ids.append(np.full(len(t), i))
    return np.concatenate(times), np.concatenate(ids)


def regular_population(n, isi_ms, t_stop_ms, offset_ms=0.3):
    times = [np.arange(offset_ms + i * 0.7, t_stop_ms, isi_ms) for i in range(n)]
    ids = [np.full(len(t), i) for i, t in enumerate(times)]
    return np.concatenate(times), np.concatenate(ids)


@pytest.fixture(scope="module")
def mixed_file(tmp_path_factory):
    """Three populations: heterogeneous Poisson (with silent units below the highest id),
    bursty (correlated: units share event times) and regular."""
    rng = np.random.default_rng(2024)
    t_stop = 2000.0
    exc_t, exc_i = [], []
    for i in range(60):
        if i in (3, 17):
            continue  # silent units (they still count: ids below the highest one)
        if i == 25:  # two spikes only: a rate but no CV / LvR
            exc_t.append(np.array([100.0, 900.0]))
            exc_i.append(np.array([i, i]))
            continue
        rate = rng.uniform(2.0, 40.0)
        t = np.unique(np.round(rng.uniform(0.0, t_stop, rng.poisson(rate * t_stop / 1000)), 1))
        exc_t.append(t)
        exc_i.append(np.full(len(t), i))
    exc = (np.concatenate(exc_t), np.concatenate(exc_i))
    # Shared events: each of 8 units joins each of 150 events with p = 0.6, with 0-3 ms jitter.
    events = np.sort(rng.uniform(0.0, t_stop, 150))
    burst_t, burst_i = [], []
    for i in range(8):
        joined = events[rng.random(150) < 0.6]
        t = np.unique(np.round(joined + rng.uniform(0.0, 3.0, len(joined)), 1))
        burst_t.append(t)
        burst_i.append(np.full(len(t), i))
    burst = (np.concatenate(burst_t), np.concatenate(burst_i))
    reg = regular_population(5, 25.0, t_stop)
    path = tmp_path_factory.mktemp("mixed") / "mixed.h5"
    return write_sonata(path, {"exc": exc, "burst": burst, "reg": reg})


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, binary):
    out = tmp_path_factory.mktemp("sim")
    run_cli("simulate", "--n", "500", "--pconn", "0.05", "--t-stop", "600", "--seed", "5", "--quiet", "--out", out)
    return out / "spikes.h5"


def read_csv(path):
    """A CSV with '#' provenance lines -> {column: numpy array} (numbers where they parse)."""
    lines = [line for line in pathlib.Path(path).read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    columns = {}
    for key in rows[0] if rows else []:
        values = [row[key] for row in rows]
        try:
            columns[key] = np.array(values, dtype=float)
        except ValueError:
            columns[key] = np.array(values)
    return columns


def stats_json(path, tmp_path, *args):
    out = tmp_path / "stats.json"
    run_cli("stats", path, "--per-unit", "-o", out, *args)
    return json.loads(out.read_text())


# --- the numpy/scipy reference ---------------------------------------------------------------

def bin_index(t, t0, t1, b):
    """Bin of each spike time per docs/statistics.md, and the number of full bins; -1 = not binned."""
    n = int(np.floor((t1 - t0) / b + 1e-9))
    if n == 0:
        return np.full(len(t), -1), 0
    k = np.floor((t - t0) / b)
    edge = (k == n) & (t <= t0 + n * b)
    k = np.where(edge, n - 1, k)
    return np.where(k < n, k, -1).astype(np.int64), n


def lvr(isi):
    a, b = isi[:-1], isi[1:]
    return 3.0 / (len(isi) - 1) * np.sum((1 - 4 * a * b / (a + b) ** 2) * (1 + 4 * R_MS / (a + b)))


def binned(t, t0, t1, b):
    k, n = bin_index(t, t0, t1, b)
    return np.bincount(k[k >= 0], minlength=n)


def reference(t, ids, n_units, t0, t1, fano_bin=100.0, corr_bin=10.0, rate_bin=1.0, sigma=5.0, pairs=None):
    """Every statistic of one population (times t [ms], population-local ids) on [t0, t1]."""
    keep = (t >= t0) & (t <= t1)
    t, ids = t[keep], ids[keep]
    T_s = (t1 - t0) / 1000.0
    counts = np.bincount(ids, minlength=n_units)
    rates = counts / T_s
    trains = [np.sort(t[ids == u]) for u in range(n_units)]
    cv = np.full(n_units, np.nan)
    lv = np.full(n_units, np.nan)
    fano = np.full(n_units, np.nan)
    for u, tu in enumerate(trains):
        if len(tu) >= 3:
            isi = np.diff(tu)
            cv[u] = isi.std() / isi.mean()
            lv[u] = lvr(isi)
        if len(tu) >= 1:
            c = binned(tu, t0, t1, fano_bin)
            if len(c) and c.mean() > 0:
                fano[u] = c.var() / c.mean()
    pop_counts = binned(t, t0, t1, 1.0)
    hist = binned(t, t0, t1, rate_bin) / (n_units * rate_bin / 1000.0)
    if sigma > 0 and len(hist):
        m = int(np.floor(4 * sigma / rate_bin))
        w = np.exp(-0.5 * (np.arange(-m, m + 1) * rate_bin / sigma) ** 2)
        # renormalised at the edges: divide by the kernel mass that lies inside the window
        smooth = convolve1d(hist, w, mode="constant") / convolve1d(np.ones_like(hist), w, mode="constant")
    else:
        smooth = hist
    ref = {
        "units": n_units, "active_units": int((counts > 0).sum()), "spikes": int(len(t)),
        "rate_hz": rates, "cv_isi_u": cv, "lvr_u": lv, "fano_u": fano,
        "mean_rate_hz": rates.mean(),
        "rate_q1_hz": np.percentile(rates, 25), "rate_median_hz": np.percentile(rates, 50),
        "rate_q3_hz": np.percentile(rates, 75),
        "cv_isi": np.nanmean(cv) if np.isfinite(cv).any() else np.nan,
        "lvr": np.nanmean(lv) if np.isfinite(lv).any() else np.nan,
        "fano": np.nanmean(fano) if np.isfinite(fano).any() else np.nan,
        "synchrony": pop_counts.var() / pop_counts.mean(),
        "synchrony_cv": pop_counts.std() / pop_counts.mean(),
        "hist": hist, "smooth": smooth,
    }
    if pairs is not None:
        rs = []
        for a, b in pairs:
            x, y = binned(trains[a], t0, t1, corr_bin), binned(trains[b], t0, t1, corr_bin)
            rs.append(np.nan if x.std() == 0 or y.std() == 0 else np.corrcoef(x, y)[0, 1])
        ref["pair_r"] = np.array(rs)
    return ref


def approx(x):
    return pytest.approx(x, rel=RTOL, abs=1e-12, nan_ok=True)


def none_to_nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def check_population(pop, ref, node_ids=None):
    for key in ("units", "active_units", "spikes"):
        assert pop[key] == ref[key], key
    for key in ("mean_rate_hz", "rate_q1_hz", "rate_median_hz", "rate_q3_hz", "cv_isi", "lvr", "fano",
                "synchrony", "synchrony_cv"):
        got = np.nan if pop[key] is None else pop[key]
        assert got == approx(ref[key]), key
    per = pop["unit_values"]
    assert per["node_ids"] == (list(range(ref["units"])) if node_ids is None else list(node_ids))
    assert none_to_nan(per["rate_hz"]) == approx(ref["rate_hz"])
    assert none_to_nan(per["cv_isi"]) == approx(ref["cv_isi_u"])
    assert none_to_nan(per["lvr"]) == approx(ref["lvr_u"])
    assert none_to_nan(per["fano"]) == approx(ref["fano_u"])
    # Correlations over the very pairs the tool sampled.
    r = none_to_nan(pop["pair_correlations"])
    assert r == approx(ref["pair_r"])
    used = r[np.isfinite(r)]
    assert pop["correlation_pairs"] == len(used)
    assert pop["correlation_pairs_skipped"] == len(r) - len(used)
    assert (np.nan if pop["correlation"] is None else pop["correlation"]) == approx(
        used.mean() if len(used) else np.nan)


def check_file(path, tmp_path, t0=None, t1=None, extra=(), spikes=None, **ref_args):
    """Runs stats on `path` and checks every statistic against reference(); `spikes` maps
    population -> (times_ms, node_ids) from an independent parse (default: the SONATA file)."""
    args = list(extra)
    if t0 is not None:
        args += ["--t-start", t0]
    if t1 is not None:
        args += ["--t-stop", t1]
    got = stats_json(path, tmp_path, *args, "--rates-out", tmp_path / "rates.csv")
    spikes = read_spikes(path) if spikes is None else spikes
    w0, w1 = got["window_ms"]
    if t0 is not None:
        assert w0 == t0
    if t1 is not None:
        assert w1 == t1
    rates = read_csv(tmp_path / "rates.csv")
    for pop in got["populations"]:
        t, ids = spikes[pop["name"]]
        # local index = position of the node id in the tool's unit list (0..n-1 for SONATA)
        node_ids = np.array(pop["unit_values"]["node_ids"], dtype=np.int64)
        local = {int(n): i for i, n in enumerate(node_ids)}
        to_local = np.vectorize(lambda n: local[int(n)], otypes=[np.int64])
        pairs = to_local(np.array(pop["sampled_pairs_node_ids"], dtype=np.int64).reshape(-1, 2))
        ref = reference(t, to_local(ids) if len(ids) else ids.astype(np.int64), pop["units"], w0, w1,
                        pairs=pairs, **ref_args)
        check_population(pop, ref, node_ids)
        mine = {key: column[rates["population"] == pop["name"]] for key, column in rates.items()}
        assert len(mine["t_ms"]) == len(ref["hist"])
        assert mine["rate_hz"] == approx(ref["hist"])
        assert mine["smoothed_hz"] == approx(ref["smooth"])
        b = ref_args.get("rate_bin", 1.0)
        assert mine["t_ms"] == approx(w0 + (np.arange(len(mine["t_ms"])) + 0.5) * b)
    return got


# --- every statistic against the reference ---------------------------------------------------

def test_sonata_file_default_window(mixed_file, tmp_path):
    got = check_file(mixed_file, tmp_path)
    spikes = read_spikes(mixed_file)
    last = max(t.max() for t, _ in spikes.values())
    assert got["window_ms"] == [0.0, last]  # the data's span for a file without a declared duration
    names = [p["name"] for p in got["populations"]]
    assert sorted(names) == ["burst", "exc", "reg"]
    exc = got["populations"][names.index("exc")]
    assert exc["units"] == 60 and exc["active_units"] == 58
    reg = got["populations"][names.index("reg")]
    assert reg["cv_isi"] == pytest.approx(0.0, abs=1e-9) and reg["lvr"] == pytest.approx(0.0, abs=1e-9)


def test_sonata_file_explicit_window_with_partial_bins(mixed_file, tmp_path):
    # 1234.5 ms is not a multiple of the 10 / 100 ms bins: the partial last bins are not binned.
    check_file(mixed_file, tmp_path, t0=150.0, t1=1384.5)


def test_other_bins_and_kernel(mixed_file, tmp_path):
    check_file(mixed_file, tmp_path, t0=0.0, t1=2000.0,
               extra=["--corr-bin", 5, "--fano-bin", 50, "--rate-bin", 2, "--rate-sigma", 10, "--corr-pairs", 7],
               corr_bin=5.0, fano_bin=50.0, rate_bin=2.0, sigma=10.0)


def test_simulated_network(simulated, tmp_path):
    got = check_file(simulated, tmp_path)
    assert got["window_ms"] == [0.0, 600.0]  # the run's duration, from the file's provenance
    units = {p["name"]: p["units"] for p in got["populations"]}
    assert units == {"exc": 400, "inh": 100}
    assert got["format"] == "sonata"
    assert got["inputs"][0]["path"] == str(simulated) and len(got["inputs"][0]["checksum64"]) == 16


DATA = SHARED_DATA


def test_real_nwb_file(tmp_path):
    """pynapple's NWB 2.4 test file: 3 units, 21 354 spikes in seconds, uint16 spike_times_index;
    reference parse with h5py."""
    path = DATA / "nwb" / "pynapple_phy_A8604-211122.nwb"
    with h5py.File(path, "r") as f:
        times_s = f["units/spike_times"][()]
        ends = f["units/spike_times_index"][()].astype(np.int64)
        ids = f["units/id"][()]
    node = np.repeat(ids, np.diff(np.concatenate([[0], ends])))
    got = stats_json(path, tmp_path)
    assert len(got["populations"]) == 1
    name = got["populations"][0]["name"]
    got = check_file(path, tmp_path, spikes={name: (times_s * 1000.0, node)})
    pop = got["populations"][0]
    assert pop["units"] == 3 and pop["spikes"] == 21354
    assert pop["unit_values"]["node_ids"] == [6, 191, 206]
    assert got["window_ms"][1] == pytest.approx(times_s.max() * 1000.0, rel=1e-12)


def test_real_graphitti_file(tmp_path):
    """Graphitti's regression output: 900 neurons, 90 fired, 194 566 spikes as time steps of
    0.1 ms in Neuron_<i> matrices; reference parse with xml.etree."""
    import xml.etree.ElementTree as ET
    path = DATA / "graphitti" / "test-medium-long-out.xml"
    text = path.read_text()
    # The file holds several top-level <Matrix> elements: wrap them in one root to parse.
    root = ET.fromstring("<root>" + text.split("?>", 1)[1] + "</root>")
    times, node = [], []
    for m in root.iter("Matrix"):
        if m.get("name", "").startswith("Neuron_"):
            steps = np.array(m.text.split(), dtype=np.int64)
            times.append(steps * 0.1)
            node.append(np.full(len(steps), int(m.get("name")[len("Neuron_"):])))
    times, node = np.concatenate(times), np.concatenate(node)
    assert len(times) == 194566
    got = stats_json(path, tmp_path, "--rate-bin", 10)
    assert len(got["populations"]) == 1
    name = got["populations"][0]["name"]
    got = check_file(path, tmp_path, extra=["--rate-bin", 10], spikes={name: (times, node)}, rate_bin=10.0)
    pop = got["populations"][0]
    assert pop["units"] == 900 and pop["active_units"] == 90 and pop["spikes"] == 194566
    assert pop["correlation_pairs"] + pop["correlation_pairs_skipped"] == 200  # 4005 possible: sampled


def test_all_pairs_of_a_small_population_are_used(mixed_file, tmp_path):
    # burst has 8 active units: 28 pairs <= 200 requested, so the reference takes every pair itself.
    got = stats_json(mixed_file, tmp_path, "--populations", "burst")
    pop = got["populations"][0]
    pairs = sorted(tuple(p) for p in pop["sampled_pairs_node_ids"])
    assert pairs == [(a, b) for a in range(8) for b in range(a + 1, 8)]
    t, ids = read_spikes(mixed_file)["burst"]
    w0, w1 = got["window_ms"]
    ref = reference(t, ids.astype(np.int64), 8, w0, w1, pairs=pairs)
    assert pop["correlation"] == approx(np.nanmean(ref["pair_r"]))
    assert pop["correlation"] > 0.2  # shared events make these units clearly correlated


def test_pair_sampling_is_seeded(mixed_file, tmp_path):
    def pairs(seed):
        got = stats_json(mixed_file, tmp_path, "--populations", "exc", "--corr-pairs", 30, "--seed", seed)
        p = got["populations"][0]["sampled_pairs_node_ids"]
        assert len(p) == 30 and len({tuple(x) for x in p}) == 30
        assert all(a < b and a not in (3, 17) and b not in (3, 17) for a, b in p)  # active units only
        return p
    assert pairs(1) == pairs(1)
    assert pairs(1) != pairs(2)


# --- known answers ---------------------------------------------------------------------------

def test_poisson_and_regular_known_answers(tmp_path):
    rng = np.random.default_rng(99)
    t_stop = 50_000.0
    poisson = poisson_population(rng, 200, 20.0, t_stop)
    regular = regular_population(20, 40.0, t_stop)
    path = write_sonata(tmp_path / "known.h5", {"poisson": poisson, "regular": regular})
    got = stats_json(path, tmp_path, "--t-start", 0, "--t-stop", t_stop)
    p, r = got["populations"]
    assert p["name"] == "poisson" and r["name"] == "regular"
    # 1000 spikes per unit, 200 units: the population means have sd ~ 0.032 / sqrt(200) (CV),
    # similar for LvR; bounds of 0.03 are > 10 sd yet far from the other plausible values.
    assert p["mean_rate_hz"] == pytest.approx(20.0, rel=0.01)  # 2e5 spikes: sd 0.22 %
    assert p["cv_isi"] == pytest.approx(1.0, abs=0.03)
    # Exponential ISIs: E[LvR] = 1 + 4 R rate = 1.16 at 20 Hz (derivation in docs/statistics.md);
    # rounding to 0.1 ms barely changes it.
    assert p["lvr"] == pytest.approx(1.0 + 4 * R_MS * 0.020, abs=0.03)
    assert p["fano"] == pytest.approx(1.0, abs=0.05)       # 500 bins of 100 ms per unit
    assert abs(p["correlation"]) < 0.01                     # 200 pairs x 5000 bins: sd ~ 0.001
    assert p["synchrony"] == pytest.approx(1.0, abs=0.05)   # independent units: var = mean
    assert r["cv_isi"] == pytest.approx(0.0, abs=1e-9)
    assert r["lvr"] == pytest.approx(0.0, abs=1e-9)
    assert r["mean_rate_hz"] == pytest.approx(25.0, rel=1e-3)
    # A 40 ms period puts 3, 2, 3, 2, ... spikes in consecutive 100 ms bins: mean 2.5, var 0.25.
    assert r["fano"] == pytest.approx(0.1, rel=1e-9)


# --- outputs ---------------------------------------------------------------------------------

def test_csv_output_matches_json(mixed_file, tmp_path):
    got = stats_json(mixed_file, tmp_path)
    csv_path = tmp_path / "stats.csv"
    run_cli("stats", mixed_file, "-o", csv_path)
    text = csv_path.read_text()
    assert text.startswith("# spikeforge ")
    assert "# input: " in text and "checksum64" in text
    rows = read_csv(csv_path)
    assert list(rows["population"]) == [p["name"] for p in got["populations"]]
    for i, pop in enumerate(got["populations"]):
        row = {key: column[i] for key, column in rows.items()}
        for key in ("units", "spikes", "mean_rate_hz", "rate_median_hz", "cv_isi", "lvr", "fano", "correlation",
                    "synchrony", "synchrony_cv"):
            want = np.nan if pop[key] is None else pop[key]
            assert row[key] == pytest.approx(want, rel=1e-15, nan_ok=True), key
        assert row["t_start_ms"] == got["window_ms"][0] and row["t_stop_ms"] == got["window_ms"][1]


def test_table_without_output_and_json_on_stdout(mixed_file):
    table = run_cli("stats", mixed_file).stdout
    assert "population" in table and "LvR" in table
    for name in ("exc", "burst", "reg"):
        assert any(line.startswith(name) for line in table.splitlines()), name
    doc = json.loads(run_cli("stats", mixed_file, "-o", "-").stdout)
    # The SONATA reader lists populations in the file's (HDF5 name) order.
    assert [p["name"] for p in doc["populations"]] == ["burst", "exc", "reg"]


def test_population_selection_and_order(mixed_file, tmp_path):
    got = stats_json(mixed_file, tmp_path, "--populations", "reg,exc")
    assert [p["name"] for p in got["populations"]] == ["reg", "exc"]


# --- errors: one line, exit 2 (usage) / 3 (input), nothing written ---------------------------

@pytest.mark.parametrize("args, message", [
    (["--populations", "nope"], "--populations: unknown population 'nope' (known: burst, exc, reg)"),
    (["--t-start", "500", "--t-stop", "100"], "--t-stop (100 ms) must be greater than --t-start (500 ms)"),
    (["--corr-bin", "0"], "--corr-bin: must be a positive number of ms (got 0)"),
    (["-o", "{tmp}/stats.txt"], "must end in .json or .csv"),
    (["-o", "{tmp}/s.json", "--rates-out", "{tmp}/r.txt"], "--rates-out {tmp}/r.txt: must end in .csv"),
])
def test_usage_errors_exit_2(mixed_file, tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    proc = run_cli("stats", mixed_file, *args, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message.format(tmp=tmp_path) in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_missing_file_is_a_usage_error(tmp_path):
    proc = run_cli("stats", tmp_path / "absent.h5", check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("content", [b"", b"\x89HDF\r\n\x1a\n" + b"\0" * 100, b"\x00\x01garbage"])
def test_bad_input_exits_3_and_writes_nothing(tmp_path, content):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(content)
    out = tmp_path / "out"
    out.mkdir()
    proc = run_cli("stats", bad, "-o", out / "s.json", check=False)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("\n") == 1 and str(bad) in proc.stderr
    assert list(out.iterdir()) == []


def test_truncated_sonata_exits_3(mixed_file, tmp_path):
    data = pathlib.Path(mixed_file).read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(data[: len(data) // 2])
    proc = run_cli("stats", cut, check=False)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("\n") == 1 and str(cut) in proc.stderr
