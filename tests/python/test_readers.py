"""Readers, `spikeforge info` and `spikeforge convert` against independent computations:
h5py / numpy for HDF5 files, Python's xml.etree for Graphitti XML, plain parsing for text."""
import csv
import json
import math
import pathlib
import xml.etree.ElementTree as ET
import zlib

import h5py
import numpy as np
import pytest

from conftest import run_cli, SHARED_DATA

DATA = SHARED_DATA
REAL_NWB = DATA / "nwb" / "pynapple_phy_A8604-211122.nwb"
REAL_XML = DATA / "graphitti" / "test-medium-long-out.xml"


def info(*args):
    return json.loads(run_cli("info", *map(str, args), "--json").stdout)


# ---------- independent readers ----------

def sonata_spikes(path, sizes=None):
    """SONATA -> sorted (time_ms, global unit) with populations in name order (h5py's)."""
    times, units, offset = [], [], 0
    with h5py.File(path, "r") as f:
        for name in sorted(f["spikes"].keys()):
            g = f["spikes"][name]
            scale = 1000.0 if g["timestamps"].attrs.get("units", "ms") == "s" else 1.0
            t, ids = g["timestamps"][()] * scale, g["node_ids"][()].astype(np.int64)
            times.append(t)
            units.append(ids + offset)
            n = sizes[name] if sizes else (ids.max() + 1 if len(ids) else 0)
            offset += int(n)
    return sort_pairs(np.concatenate(times), np.concatenate(units))


def sort_pairs(t, u):
    t, u = np.asarray(t, dtype=float), np.asarray(u, dtype=np.int64)
    order = np.lexsort((u, t))
    return t[order], u[order]


def csv_spikes(path):
    rows = [line for line in pathlib.Path(path).read_text().splitlines() if line and not line.startswith("#")]
    table = list(csv.DictReader(rows))
    return sort_pairs([float(r["time"]) for r in table], [int(r["unit"]) for r in table])


def xml_matrices(path):
    """{name: [value strings]} of every <Matrix>. The file has several top-level elements and no
    single root, so it is wrapped in one before parsing."""
    text = pathlib.Path(path).read_text()
    if text.startswith("<?xml"):
        text = text.split("?>", 1)[1]
    root = ET.fromstring("<root>" + text + "</root>")
    return {m.get("name"): (m.text or "").split() for m in root.iter("Matrix")}


# ---------- fixtures ----------

@pytest.fixture(scope="module")
def sim(tmp_path_factory, binary):
    out = tmp_path_factory.mktemp("sim") / "run"
    run_cli("simulate", "--n", 400, "--t-stop", 300, "--seed", 3, "--out", out, "--format", "nwb", "-q")
    return out


SIZES = {"exc": 320, "inh": 80}


# ---------- SONATA and the round trips ----------

def test_info_on_our_sonata_matches_h5py(sim):
    got = info(sim / "spikes.h5")
    t, u = sonata_spikes(sim / "spikes.h5", SIZES)
    assert got["format"] == "sonata"
    assert got["spikes"] == len(t) > 100
    assert got["units"] == 400  # population sizes from the file's provenance config
    assert got["t_stop_ms"] == 300.0
    assert got["first_spike_ms"] == pytest.approx(t[0]) and got["last_spike_ms"] == pytest.approx(t[-1])
    pops = {p["name"]: p for p in got["populations"]}
    assert pops["exc"]["units"] == 320 and pops["inh"]["units"] == 80
    assert pops["exc"]["spikes"] == int((u < 320).sum())
    assert pops["exc"]["active_units"] == len(np.unique(u[u < 320]))
    assert pops["inh"]["mean_rate_hz"] == pytest.approx((u >= 320).sum() / 80 / 0.3)


@pytest.mark.parametrize("ext", ["h5", "nwb", "csv", "npy"])
def test_convert_round_trip_keeps_every_spike(sim, tmp_path, ext):
    src = sim / "spikes.h5"
    out = tmp_path / f"out.{ext}"
    proc = run_cli("convert", src, out)
    t_in, u_in = sonata_spikes(src, SIZES)
    assert f"read    {len(t_in)} spikes" in proc.stdout and f"wrote   {len(t_in)} spikes" in proc.stdout
    if ext == "h5":
        t_out, u_out = sonata_spikes(out, SIZES)
        with h5py.File(out, "r") as f:
            config = f.attrs["config"]
            assert f["spikes/exc"].attrs["sorting"] == 2  # by_time
            assert f["spikes/exc/timestamps"].attrs["units"] == "ms"
    elif ext == "nwb":
        with h5py.File(out, "r") as f:
            index = f["units/spike_times_index"][()].astype(np.int64)
            times = f["units/spike_times"][()] * 1000.0
            config = f.attrs["config"]
        counts = np.diff(np.concatenate([[0], index]))
        t_out, u_out = sort_pairs(times, np.repeat(np.arange(len(index)), counts))
    elif ext == "csv":
        t_out, u_out = csv_spikes(out)
        config = "\n".join(l[2:] for l in out.read_text().splitlines() if l.startswith("# "))
    else:
        a = np.load(out)
        assert a.dtype == np.float64 and a.shape == (len(t_in), 2)
        t_out, u_out = a[:, 0], a[:, 1].astype(np.int64)
        config = json.loads((tmp_path / "out.npy.json").read_text())["config"]
    np.testing.assert_allclose(t_out, t_in, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(u_out, u_in)
    # Provenance: the input's path and CRC-32 as Python's zlib computes it.
    assert f'crc32 = "{zlib.crc32(src.read_bytes()):08x}"' in config
    assert str(src) in config
    assert not list(tmp_path.glob("*.tmp"))
    if ext != "npy":  # read back by spikeforge itself: same counts and span
        back = info(out)
        assert back["spikes"] == len(t_in) and back["units"] == 400 and back["t_stop_ms"] == 300.0


def test_our_nwb_reads_with_its_populations(sim, tmp_path):
    got = info(sim / "units.nwb")
    with h5py.File(sim / "units.nwb", "r") as f:
        n = len(f["units/spike_times"])
        pops = [p.decode() if isinstance(p, bytes) else p for p in f["units/population"][()]]
    assert got["format"] == "nwb" and got["spikes"] == n
    assert [(p["name"], p["units"]) for p in got["populations"]] == [("exc", pops.count("exc")), ("inh", pops.count("inh"))]
    # NWB -> SONATA: the same spikes as the simulator's own SONATA file.
    run_cli("convert", sim / "units.nwb", tmp_path / "from_nwb.h5")
    t1, u1 = sonata_spikes(tmp_path / "from_nwb.h5", SIZES)
    t0, u0 = sonata_spikes(sim / "spikes.h5", SIZES)
    np.testing.assert_allclose(t1, t0, atol=1e-9)
    np.testing.assert_array_equal(u1, u0)


# ---------- real files ----------

def test_real_nwb_with_uint16_index_matches_h5py(tmp_path):
    with h5py.File(REAL_NWB, "r") as f:
        assert f["units/spike_times_index"].dtype == np.uint16
        index = f["units/spike_times_index"][()].astype(np.int64)
        times_s = f["units/spike_times"][()]
        ids = f["units/id"][()]
    got = info(REAL_NWB)
    assert got["format"] == "nwb" and got["spikes"] == len(times_s) == 21354
    assert got["units"] == len(ids) == 3
    assert got["first_spike_ms"] == pytest.approx(times_s.min() * 1000.0)
    assert got["last_spike_ms"] == pytest.approx(times_s.max() * 1000.0)
    out = tmp_path / "real.csv"
    run_cli("convert", REAL_NWB, out)
    t, u = csv_spikes(out)
    np.testing.assert_array_equal(np.bincount(u, minlength=3), np.diff(np.concatenate([[0], index])))
    t_ref, u_ref = sort_pairs(times_s * 1000.0, np.repeat(np.arange(3), np.diff(np.concatenate([[0], index]))))
    np.testing.assert_allclose(t, t_ref, rtol=1e-15)
    np.testing.assert_array_equal(u, u_ref)


def test_real_graphitti_xml_matches_xml_etree(tmp_path):
    m = xml_matrices(REAL_XML)
    neurons = {int(k.split("_")[1]): [float(v) for v in vals] for k, vals in m.items() if k.startswith("Neuron_")}
    total = sum(len(v) for v in neurons.values())
    types = [int(float(v)) for v in m["vertexTypeMap"]]
    got = info(REAL_XML)
    assert got["format"] == "graphitti"
    assert got["spikes"] == total == 194566
    assert got["units"] == len(m["x_Location"]) == 900
    pop = got["populations"][0]
    assert pop["active_units"] == sum(1 for v in neurons.values() if v) == 90
    assert pop["excitatory"] == types.count(2) and pop["inhibitory"] == types.count(1)
    assert got["last_spike_ms"] == pytest.approx(max(max(v) for v in neurons.values() if v) * 0.1)
    out = tmp_path / "xml.csv"
    run_cli("convert", REAL_XML, out)
    t, u = csv_spikes(out)
    counts = np.bincount(u, minlength=900)
    for i, v in neurons.items():
        assert counts[i] == len(v), i


def test_braingrid_xml_without_spike_times_is_rejected():
    proc = run_cli("info", DATA / "graphitti" / "braingrid_tR_1.0--fE_0.90-out.xml", check=False)
    assert proc.returncode == 3, proc.stderr
    assert "Neuron_<i>" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


# ---------- NEST ASCII ----------

NEST3_HEADER = "# NEST version: 3.4\n# RecordingBackendASCII\n# Recorder: spike_recorder\n# Precision: 3\n# Time unit: ms\n"


def test_nest3_per_thread_files_are_merged(tmp_path):
    rng = np.random.default_rng(1)
    files, all_t, all_g = [], [], []
    for thread in range(2):
        g = rng.integers(1, 50, size=300) * 2 + thread  # each thread owns its neurons (NEST round-robin)
        t = np.round(np.sort(rng.uniform(0, 500, size=300)), 3)
        p = tmp_path / f"spike_recorder-101-{thread}.dat"
        p.write_text(NEST3_HEADER + "sender\ttime_ms\n" + "".join(f"{a}\t{b:.3f}\n" for a, b in zip(g, t)))
        files.append(p)
        all_t.append(t)
        all_g.append(g)
    g = np.concatenate(all_g)
    t = np.concatenate(all_t)
    got = info(*files)
    assert got["format"] == "nest" and got["spikes"] == 600
    assert got["units"] == len(np.unique(g))
    out = tmp_path / "nest.csv"
    run_cli("convert", *files, out)
    t_out, u_out = csv_spikes(out)
    senders = np.unique(g)
    t_ref, u_ref = sort_pairs(t, np.searchsorted(senders, g))
    np.testing.assert_allclose(t_out, t_ref, atol=1e-12)
    np.testing.assert_array_equal(u_out, u_ref)


def test_nest3_time_in_steps_and_nest2_gdf(tmp_path):
    steps = tmp_path / "steps.dat"
    steps.write_text(NEST3_HEADER + "sender\ttime_step\toffset\n3\t15\t0.025\n1\t20\t0.0\n")
    t, u = csv_spikes(convert_to_csv(steps, tmp_path / "s.csv", "--dt", "0.1"))
    np.testing.assert_allclose(t, [1.475, 2.0])
    np.testing.assert_array_equal(u, [1, 0])  # senders 1, 3 -> units 0, 1
    gdf = tmp_path / "old.gdf"
    gdf.write_text("7\t12.5\n2\t3.0\n7\t1.0\n")
    got = info(gdf)
    assert got["format"] == "nest" and got["spikes"] == 3 and got["units"] == 2


def convert_to_csv(src, out, *flags):
    run_cli("convert", src, out, *flags)
    return out


# ---------- CSV ----------

def test_csv_in_seconds(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("unit,time,quality\n3,0.5,good\n0,0.25,good\n")
    got = info(p, "--time-unit", "s")
    assert got["spikes"] == 2 and got["units"] == 4
    assert got["first_spike_ms"] == 250.0 and got["last_spike_ms"] == 500.0


# ---------- BrainGrid HDF5 ----------

def make_braingrid(path, rng, neurons=37, max_spikes=60, dtype=np.uint64):
    """A BrainGrid-like file: each column ascending steps, 0-padded at its end."""
    m = np.zeros((max_spikes, neurons), dtype=dtype)
    for c in range(neurons):
        k = int(rng.integers(0, max_spikes + 1)) if c % 5 else 0  # every 5th neuron silent
        if k:
            m[:k, c] = np.sort(rng.choice(np.arange(1, 100000), size=k, replace=False))
    types = np.where(rng.uniform(size=neurons) < 0.2, 1, 2).astype(np.int32)
    with h5py.File(path, "w") as f:
        f["spikesProbedNeurons"] = m
        f["xloc"] = (np.arange(neurons) % 10).astype(np.int32)
        f["yloc"] = (np.arange(neurons) // 10).astype(np.int32)
        f["neuronTypes"] = types
        f["starterNeurons"] = np.array([1, 4], dtype=np.int32)
        f["simulationEndTime"] = np.array([20.0], dtype=np.float32)
    return m, types


def test_braingrid_streams_in_small_blocks_and_matches_numpy(tmp_path):
    rng = np.random.default_rng(7)
    path = tmp_path / "bg.h5"
    m, types = make_braingrid(path, rng)
    # The seed notebook's method: non-zero entries, sorted by time step (then neuron).
    rows, cols = np.nonzero(m)
    t_ref, u_ref = sort_pairs(m[rows, cols].astype(float) * 0.1, cols)
    # 0.001 MB budget -> blocks of 1 048 / 4 / (37 x 8) = 3 rows: 20 blocks for 60 rows.
    out = tmp_path / "bg.csv"
    run_cli("convert", path, out, "--memory-budget", "0.001")
    t, u = csv_spikes(out)
    np.testing.assert_allclose(t, t_ref, rtol=1e-12)
    np.testing.assert_array_equal(u, u_ref)
    got = info(path)
    assert got["format"] == "braingrid" and got["spikes"] == len(rows)
    assert got["t_stop_ms"] == 20000.0
    pop = got["populations"][0]
    assert pop["units"] == 37 and pop["inhibitory"] == int((types == 1).sum())
    assert pop["excitatory"] == int((types == 2).sum())


# ---------- malformed input: exit 3, one line naming file, path and expectation ----------

def nwb_file(path, times, index, ids=None, index_dtype=np.uint64):
    with h5py.File(path, "w") as f:
        u = f.create_group("units")
        u["spike_times"] = np.asarray(times)
        u["spike_times_index"] = np.asarray(index, dtype=index_dtype)
        u["id"] = np.arange(len(index)) if ids is None else ids


def malformed_cases():
    def truncated(d, sim):
        data = (sim / "spikes.h5").read_bytes()
        p = d / "truncated.h5"
        p.write_bytes(data[: len(data) // 2])
        return p, [], "expected a complete, readable HDF5 file"

    def non_monotonic(d, sim):
        nwb_file(d / "nm.nwb", [0.1, 0.2, 0.3], [2, 1, 3])
        return d / "nm.nwb", [], "/units/spike_times_index: entry 1 is 1 after 2"

    def past_end(d, sim):
        nwb_file(d / "pe.nwb", [0.1, 0.2, 0.3], [1, 5])
        return d / "pe.nwb", [], "past the end of spike_times"

    def negative_time(d, sim):
        nwb_file(d / "neg.nwb", [0.1, -0.2], [2])
        return d / "neg.nwb", [], "/units/spike_times: spike #1 has negative time"

    def nan_time(d, sim):
        p = d / "nan.h5"
        with h5py.File(p, "w") as f:
            f["spikes/p/timestamps"] = np.array([1.0, np.nan])
            f["spikes/p/node_ids"] = np.array([0, 1], dtype=np.uint64)
        return p, [], "/spikes/p/timestamps: spike #1 has time nan"

    def wrong_dtype(d, sim):
        nwb_file(d / "dt.nwb", [0.1, 0.2], [1.0, 2.0], index_dtype=np.float64)
        return d / "dt.nwb", [], "/units/spike_times_index: dtype float64; expected an integer dtype"

    def missing_dataset(d, sim):
        p = d / "missing.h5"
        with h5py.File(p, "w") as f:
            f["spikes/p/timestamps"] = np.array([1.0])
        return p, [], "/spikes/p/node_ids: dataset missing"

    def ms_declared_seconds(d, sim):
        p = d / "ms.csv"
        p.write_text("time,unit\n150000.0,0\n250000.5,1\n")
        return p, ["--time-unit", "s"], "probably milliseconds"

    def nwb_ms_as_seconds(d, sim):
        nwb_file(d / "msnwb.nwb", [1500.0, 350000.0], [2])
        return d / "msnwb.nwb", [], "probably milliseconds"

    def braingrid_after_padding(d, sim):
        p = d / "pad.h5"
        make_braingrid(p, np.random.default_rng(2), neurons=4, max_spikes=5)
        with h5py.File(p, "r+") as f:
            m = f["spikesProbedNeurons"][()]
            m[:, 0] = [5, 0, 9, 0, 0]
            f["spikesProbedNeurons"][...] = m
        return p, [], "after its 0 padding"

    def braingrid_float(d, sim):
        p = d / "float.h5"
        with h5py.File(p, "w") as f:
            f["spikesProbedNeurons"] = np.ones((3, 2))
        return p, [], "/spikesProbedNeurons: dtype float64"

    def braingrid_missing_xloc(d, sim):
        p = d / "noxloc.h5"
        make_braingrid(p, np.random.default_rng(3), neurons=4, max_spikes=5)
        with h5py.File(p, "r+") as f:
            del f["xloc"]
        return p, [], "/xloc: dataset missing"

    def graphitti_count(d, sim):
        p = d / "bad.xml"
        p.write_text('<?xml version="1.0"?>\n<Matrix name="x_Location" type="complete" rows="1" columns="2" '
                     'multiplier="1.0">0 1</Matrix>\n<Matrix name="Neuron_0" type="complete" rows="1" columns="3" '
                     'multiplier="1.0">5 9</Matrix>\n')
        return p, [], "Matrix 'Neuron_0': 2 values"

    def csv_no_header(d, sim):
        p = d / "nohead.csv"
        p.write_text("start,stop\n1,2\n")
        return p, [], "columns 'time' and 'unit'"

    def nest_bad_number(d, sim):
        p = d / "bad.dat"
        p.write_text(NEST3_HEADER + "sender\ttime_ms\n1\t2.5\n2\tabc\n")
        return p, [], "line 8, column time: 'abc' is not a number"

    def not_a_spike_file(d, sim):
        p = d / "junk.bin"
        p.write_bytes(bytes(range(256)))
        return p, [], "binary content that is not HDF5"

    return {f.__name__: f for f in [truncated, non_monotonic, past_end, negative_time, nan_time, wrong_dtype,
                                    missing_dataset, ms_declared_seconds, nwb_ms_as_seconds, braingrid_after_padding,
                                    braingrid_float, braingrid_missing_xloc, graphitti_count, csv_no_header,
                                    nest_bad_number, not_a_spike_file]}


CASES = malformed_cases()


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input_exits_3_with_one_line_and_no_output(case, sim, tmp_path):
    path, flags, fragment = CASES[case](tmp_path, sim)
    proc = run_cli("info", path, *flags, check=False)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and fragment in lines[0], lines[0]
    assert "expected" in lines[0]
    out = tmp_path / "out.h5"
    proc = run_cli("convert", path, *flags, out, check=False)
    assert proc.returncode == 3
    assert not out.exists() and not list(tmp_path.glob("out.h5*"))


def peak_rss_mb(*args):
    """Peak resident memory [MB] of one spikeforge run, measured in a fresh Python process so
    that no earlier child (e.g. the simulation fixture) counts."""
    import subprocess
    import sys
    from conftest import BINARY
    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
            "assert r.returncode == 0, r.stderr; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(BINARY), *map(str, args)], capture_output=True, text=True,
                         check=True)
    return int(out.stdout) / 1024.0


def test_braingrid_memory_stays_within_the_budget(tmp_path):
    # 8000 x 1000 uint64 = 64 MB of matrix (compressed on disk), only ~18 000 spikes: reading it
    # whole would need > 64 MB; with a 1 MB budget the blocks are 256 KB.
    rows, neurons = 8000, 1000
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("spikesProbedNeurons", (rows, neurons), dtype=np.uint64, chunks=(1000, 100),
                             compression="gzip")
        d[:, 0] = np.arange(1, rows + 1, dtype=np.uint64) * 3  # one neuron fires on every row
        d[:10, 1:] = (np.arange(1, 11, dtype=np.uint64) * 7)[:, None]
        f["xloc"] = np.zeros(neurons, dtype=np.int32)
        f["yloc"] = np.zeros(neurons, dtype=np.int32)
        f["neuronTypes"] = np.full(neurons, 2, dtype=np.int32)
    small = peak_rss_mb("info", path, "--memory-budget", 1)
    large = peak_rss_mb("info", path, "--memory-budget", 1024)
    assert info(path, "--memory-budget", 1)["spikes"] == rows + 10 * (neurons - 1)
    assert large > 64, large  # the measurement sees a whole-matrix read ...
    assert small < 40, small  # ... and the 1 MB budget stays far below it


def test_nwb_units_without_spikes_count_as_silent(tmp_path):
    p = tmp_path / "empty_units.nwb"
    nwb_file(p, [0.5, 0.25, 0.75], [0, 2, 2, 3], ids=np.array([4, 9, 13, 20]))
    with h5py.File(p, "r") as f:
        per_unit = np.diff(np.concatenate([[0], f["units/spike_times_index"][()]]))
    got = info(p)
    assert got["units"] == 4 and got["spikes"] == 3
    assert got["populations"][0]["active_units"] == int((per_unit > 0).sum()) == 2
    empty = tmp_path / "no_units.nwb"
    nwb_file(empty, np.zeros(0), np.zeros(0, dtype=np.uint64))
    got = info(empty)
    assert got["units"] == 0 and got["spikes"] == 0


def test_forcing_a_text_format_on_hdf5_gives_one_printable_line(sim):
    proc = run_cli("info", sim / "spikes.h5", "--format", "csv", check=False)
    assert proc.returncode == 3
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1 and line.isprintable(), repr(line)
