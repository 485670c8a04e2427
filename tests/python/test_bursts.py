"""`spikeforge bursts`: the avalanche method against a literal Python transcription of the BrainGrid
rule (getWindows.m, docs/bursts.md) and the binned method against numpy, on generated SONATA files
and on Graphitti's regression output."""
import csv
import json
import pathlib

import h5py
import numpy as np
import pytest

from conftest import run_cli, SHARED_DATA

DT_MS = 0.1
GRAPHITTI = SHARED_DATA / "graphitti" / "test-medium-long-out.xml"


def reference_avalanches(steps, duration_steps, threshold):
    """The seed's loop, kept in its 1-based form so it can be read against getWindows.m.

    Returns (bursts as tuples in allBurst.csv column order, number of avalanches)."""
    frame, count = np.unique(np.asarray(steps, dtype=np.int64), return_counts=True)
    return reference_avalanches_counted(frame, count, len(steps), duration_steps, threshold)


def reference_avalanches_rows(frame, count, total_spikes, duration_steps, threshold):
    """The same from the distinct steps (`frame`) and their spike counts; bursts only."""
    return reference_avalanches_counted(np.asarray(frame, dtype=np.int64), count, total_spikes, duration_steps,
                                        threshold)[0]


def reference_avalanches_counted(frame, count, total_spikes, duration_steps, threshold):
    space = np.diff(frame)
    n_space = len(space)
    mean_isi = duration_steps / total_spikes
    bursts, n_aval, last, i = [], 0, 1, 1
    while i < n_space:
        if space[i - 1] < mean_isi or count[i - 1] > 1:
            n_aval += 1
            j = i + 1
            while j < n_space and space[j - 1] < mean_isi:
                j += 1
            total = int(count[i - 1:j].sum())
            if total > threshold:
                bursts.append((len(bursts) + 1, i, j, int(frame[i - 1]), int(frame[j - 1]), j - i + 1, total,
                               int(frame[i - 1] - frame[last - 1])))
                last = j
            i = j + 1
        i += 1
    return bursts, n_aval


def read_csv_rows(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, [row for row in reader]


def bursty_steps(rng, n_units=200, n_steps=200_000, n_bursts=12):
    """Sparse Poisson background plus network bursts of a few hundred steps; returns (steps, units)."""
    steps = [rng.integers(1, n_steps, size=4000)]
    units = [rng.integers(0, n_units, size=4000)]
    for start in np.sort(rng.choice(np.arange(1000, n_steps - 2000, 3000), size=n_bursts, replace=False)):
        size = int(rng.integers(200, 1500))
        steps.append(start + rng.integers(0, int(rng.integers(100, 800)), size=size))
        units.append(rng.integers(0, n_units, size=size))
    steps.append(np.arange(n_units) * 7 + 5)  # every unit fires once, so the file has n_units units
    units.append(np.arange(n_units))
    # A neuron fires at most once per time step.
    pairs = np.unique(np.stack([np.concatenate(steps), np.concatenate(units)], axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def write_sonata(path, steps, units, population="culture"):
    order = np.lexsort((units, steps))
    with h5py.File(path, "w") as f:
        g = f.create_group(f"spikes/{population}")
        g.attrs["sorting"] = "by_time"
        ts = g.create_dataset("timestamps", data=steps[order] * DT_MS)
        ts.attrs["units"] = "ms"
        g.create_dataset("node_ids", data=units[order].astype(np.uint64))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_avalanche_matches_reference_on_generated_files(binary, tmp_path, seed):
    steps, units = bursty_steps(np.random.default_rng(seed))
    write_sonata(tmp_path / "s.h5", steps, units)
    duration = 200_000
    out = tmp_path / "b.csv"
    run_cli("bursts", tmp_path / "s.h5", "--method", "avalanche", "--threshold", 150, "--duration-steps", duration,
            "-o", out)
    header, rows = read_csv_rows(out)
    assert header == ["ID", "StartRow", "EndRow", "StartT", "EndT", "Width", "TotalSpikes", "IBI"]
    expected, n_aval = reference_avalanches(steps, duration, 150)
    assert len(expected) >= 5, "the generated file should contain bursts"
    assert [tuple(int(x) for x in r) for r in rows] == expected
    sidecar = json.loads((tmp_path / "b.csv.json").read_text())
    assert sidecar["avalanche"]["avalanches"] == n_aval
    assert sidecar["avalanche"]["rows"] == len(np.unique(steps))


def test_avalanche_default_duration_is_the_data_span(binary, tmp_path):
    steps, units = bursty_steps(np.random.default_rng(7))
    write_sonata(tmp_path / "s.h5", steps, units)
    run_cli("bursts", tmp_path / "s.h5", "--threshold", 150, "-o", tmp_path / "b.csv")
    _, rows = read_csv_rows(tmp_path / "b.csv")
    # A SONATA file without a run record spans [0, last spike].
    expected, _ = reference_avalanches(steps, steps.max() * DT_MS / DT_MS, 150)
    assert [tuple(int(x) for x in r) for r in rows] == expected


def test_avalanche_on_braingrid_hdf5(binary, tmp_path):
    """The seed's own input format: spikesProbedNeurons [max spikes x neurons], uint64 steps, 0 = none."""
    n_units = 60
    steps, units = bursty_steps(np.random.default_rng(21), n_units=n_units)
    per_unit = [np.sort(steps[units == u]) for u in range(n_units)]
    matrix = np.zeros((max(len(p) for p in per_unit), n_units), dtype=np.uint64)
    for u, p in enumerate(per_unit):
        matrix[:len(p), u] = p
    with h5py.File(tmp_path / "bg.h5", "w") as f:
        f["spikesProbedNeurons"] = matrix
        f["xloc"] = np.arange(n_units, dtype=np.int32) % 10
        f["yloc"] = np.arange(n_units, dtype=np.int32) // 10
        f["neuronTypes"] = np.where(np.arange(n_units) % 10 == 0, 1, 2).astype(np.int32)  # 1 inh, 2 exc
    out = tmp_path / "b.csv"
    run_cli("bursts", tmp_path / "bg.h5", "--format", "braingrid", "--threshold", 150, "--duration-steps", 200_000,
            "-o", out)
    _, rows = read_csv_rows(out)
    expected, _ = reference_avalanches(steps, 200_000, 150)
    assert len(expected) >= 5
    assert [tuple(int(x) for x in r) for r in rows] == expected


def test_avalanche_on_graphitti_regression_output(binary, tmp_path):
    """Graphitti's own good output: 900 neurons, 10 epochs x 100 s at 0.1 ms = 10^7 steps."""
    import xml.etree.ElementTree as ET
    steps = []
    # The file is a sequence of top-level <Matrix> elements (no single root): wrap it.
    text = GRAPHITTI.read_text()
    text = text[text.index("?>") + 2:] if text.startswith("<?xml") else text
    for m in ET.fromstring(f"<root>{text}</root>").iter("Matrix"):
        if m.get("name", "").startswith("Neuron_"):
            steps.extend(int(float(x)) for x in (m.text or "").split())
    steps = np.asarray(steps, dtype=np.int64)
    assert len(steps) == 194_566
    out = tmp_path / "g.csv"
    run_cli("bursts", GRAPHITTI, "--format", "graphitti", "--duration-steps", 10_000_000, "--threshold", 10, "-o", out)
    _, rows = read_csv_rows(out)
    expected, _ = reference_avalanches(steps, 10_000_000, 10)
    assert len(expected) > 100  # this culture is quiet: avalanches of at most ~25 spikes
    assert [tuple(int(x) for x in r) for r in rows] == expected


def test_binned_matches_numpy(binary, tmp_path):
    steps, units = bursty_steps(np.random.default_rng(11))
    write_sonata(tmp_path / "s.h5", steps, units)
    run_cli("bursts", tmp_path / "s.h5", "--method", "binned", "--bin-ms", 10, "--min-rate", 0.05, "-o",
            tmp_path / "b.csv")
    header, rows = read_csv_rows(tmp_path / "b.csv")
    assert header == ["ID", "StartBin", "EndBin", "StartMs", "EndMs", "WidthBins", "TotalSpikes", "PeakBin", "IBIMs"]
    t_ms = steps * DT_MS
    span = t_ms.max()  # [0, last spike]
    n_bins = int(np.ceil(span / 10.0))
    counts = np.histogram(t_ms, bins=n_bins, range=(0.0, n_bins * 10.0))[0]
    above = counts / 200 >= 0.05
    runs, k = [], 0
    while k < n_bins:
        if above[k]:
            e = k
            while e + 1 < n_bins and above[e + 1]:
                e += 1
            runs.append((k, e, int(counts[k:e + 1].sum()), k + int(np.argmax(counts[k:e + 1]))))
            k = e + 1
        else:
            k += 1
    assert len(runs) >= 5
    assert [(int(r[1]), int(r[2]), int(r[6]), int(r[7])) for r in rows] == runs
    assert float(rows[0][3]) == runs[0][0] * 10.0 and float(rows[0][4]) == (runs[0][1] + 1) * 10.0
    assert rows[0][8] == ""
    assert float(rows[1][8]) == pytest.approx((runs[1][0] - runs[0][1] - 1) * 10.0)


def test_bad_options_and_input_are_one_line_errors(binary, tmp_path):
    steps, units = bursty_steps(np.random.default_rng(5))
    write_sonata(tmp_path / "s.h5", steps, units)
    bad = run_cli("bursts", tmp_path / "s.h5", "--method", "magic", "-o", tmp_path / "b.csv", check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    bad = run_cli("bursts", tmp_path / "s.h5", "--method", "binned", "--bin-ms", 0, "-o", tmp_path / "b.csv", check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    (tmp_path / "junk.h5").write_bytes(b"not a spike file at all")
    bad = run_cli("bursts", tmp_path / "junk.h5", "-o", tmp_path / "b.csv", check=False)
    assert bad.returncode == 3 and len(bad.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "b.csv").exists()


# ---- Streaming (docs/bursts.md "Memory"): chunked input gives the same CSV as the whole table ----

def write_braingrid(path, steps, units, n_units, chunks=None):
    """spikesProbedNeurons [max spikes x neurons], uint64 steps ascending per column, 0 = none."""
    per_unit = [np.sort(steps[units == u]) for u in range(n_units)]
    matrix = np.zeros((max(len(p) for p in per_unit), n_units), dtype=np.uint64)
    for u, p in enumerate(per_unit):
        matrix[:len(p), u] = p
    with h5py.File(path, "w") as f:
        f.create_dataset("spikesProbedNeurons", data=matrix, chunks=chunks)
        f["xloc"] = np.arange(n_units, dtype=np.int32) % 10
        f["yloc"] = np.arange(n_units, dtype=np.int32) // 10
        f["neuronTypes"] = np.where(np.arange(n_units) % 10 == 0, 1, 2).astype(np.int32)


def write_sonata_populations(path, steps, units, split, unsorted=False):
    """Two populations, units < split -> 'exc' (local id u), the rest -> 'inh' (local id u - split),
    each sorted by time (or, unsorted=True, 'inh' by id)."""
    with h5py.File(path, "w") as f:
        for name, mask, first in (("exc", units < split, 0), ("inh", units >= split, split)):
            s, u = steps[mask], units[mask] - first
            by_id = unsorted and name == "inh"
            order = np.lexsort((s, u)) if by_id else np.lexsort((u, s))
            g = f.create_group(f"spikes/{name}")
            g.attrs["sorting"] = "by_id" if by_id else "by_time"
            g.create_dataset("timestamps", data=s[order] * DT_MS).attrs["units"] = "ms"
            g.create_dataset("node_ids", data=u[order].astype(np.uint64))


def reference_binned(t_ms, span_ms, n_units, bin_ms, min_rate):
    """(StartBin, EndBin, TotalSpikes, PeakBin) of each maximal run of bins at threshold."""
    n_bins = int(np.ceil(span_ms / bin_ms))
    counts = np.histogram(t_ms, bins=n_bins, range=(0.0, n_bins * bin_ms))[0]
    above = counts / n_units >= min_rate
    runs, k = [], 0
    while k < n_bins:
        if not above[k]:
            k += 1
            continue
        e = k
        while e + 1 < n_bins and above[e + 1]:
            e += 1
        runs.append((k, e, int(counts[k:e + 1].sum()), k + int(np.argmax(counts[k:e + 1]))))
        k = e + 1
    return runs


def bursts_twice(path, tmp_path, *flags, budget_mb=0.001):
    """Runs `bursts` streaming with a tiny budget and with --no-stream; returns both CSV texts and
    the streaming run's sidecar and stderr."""
    streamed, whole = tmp_path / "streamed.csv", tmp_path / "whole.csv"
    proc = run_cli("bursts", path, *flags, "--memory-budget", budget_mb, "-o", streamed)
    run_cli("bursts", path, *flags, "--no-stream", "-o", whole)
    sidecar = json.loads((tmp_path / "streamed.csv.json").read_text())
    assert json.loads((tmp_path / "whole.csv.json").read_text())["chunks"] == 1
    return streamed.read_text(), whole.read_text(), sidecar, proc.stderr


AVALANCHE_FLAGS = ("--method", "avalanche", "--threshold", 150, "--duration-steps", 200_000)
BINNED_FLAGS = ("--method", "binned", "--bin-ms", 10, "--min-rate", 0.05)


@pytest.mark.parametrize("layout", ["braingrid", "braingrid-chunked", "sonata-2-populations"])
def test_streaming_avalanche_equals_whole_read_and_reference(binary, tmp_path, layout):
    n_units = 200
    steps, units = bursty_steps(np.random.default_rng(31), n_units=n_units)
    path = tmp_path / "in.h5"
    if layout.startswith("braingrid"):
        write_braingrid(path, steps, units, n_units, chunks=(16, 50) if layout.endswith("chunked") else None)
    else:
        write_sonata_populations(path, steps, units, split=150)
    streamed, whole, sidecar, _ = bursts_twice(path, tmp_path, *AVALANCHE_FLAGS)
    assert sidecar["streamed"] is True
    assert sidecar["chunks"] > 10, sidecar["chunks"]  # the tiny budget really cut the input in pieces
    assert streamed == whole
    expected, n_aval = reference_avalanches(steps, 200_000, 150)
    assert len(expected) >= 5
    assert [tuple(int(x) for x in line.split(",")) for line in streamed.splitlines()[1:]] == expected
    assert sidecar["avalanche"]["avalanches"] == n_aval and sidecar["spikes"] == len(steps)


@pytest.mark.parametrize("layout", ["braingrid", "sonata-2-populations"])
def test_streaming_binned_equals_whole_read_and_numpy(binary, tmp_path, layout):
    n_units = 200
    steps, units = bursty_steps(np.random.default_rng(32), n_units=n_units)
    path = tmp_path / "in.h5"
    if layout == "braingrid":
        write_braingrid(path, steps, units, n_units)
    else:
        write_sonata_populations(path, steps, units, split=150)
    streamed, whole, sidecar, _ = bursts_twice(path, tmp_path, *BINNED_FLAGS)
    assert sidecar["streamed"] is True and sidecar["chunks"] > 10
    assert streamed == whole
    rows = [line.split(",") for line in streamed.splitlines()[1:]]
    runs = reference_binned(steps * DT_MS, steps.max() * DT_MS, n_units, 10.0, 0.05)
    assert len(runs) >= 5
    assert [(int(r[1]), int(r[2]), int(r[6]), int(r[7])) for r in rows] == runs


def test_unsorted_sonata_population_falls_back_to_a_whole_read_with_a_note(binary, tmp_path):
    steps, units = bursty_steps(np.random.default_rng(33))
    path = tmp_path / "in.h5"
    write_sonata_populations(path, steps, units, split=150, unsorted=True)
    streamed, whole, sidecar, stderr = bursts_twice(path, tmp_path, *AVALANCHE_FLAGS)
    assert "/spikes/inh/timestamps is not sorted by time" in stderr, stderr
    assert sidecar["streamed"] is False and sidecar["chunks"] == 1
    assert streamed == whole
    expected, _ = reference_avalanches(steps, 200_000, 150)
    assert [tuple(int(x) for x in line.split(",")) for line in streamed.splitlines()[1:]] == expected


def test_braingrid_column_out_of_order_is_one_line_exit_3_when_streaming(binary, tmp_path):
    steps, units = bursty_steps(np.random.default_rng(34), n_units=50)
    write_braingrid(tmp_path / "bad.h5", steps, units, 50)
    with h5py.File(tmp_path / "bad.h5", "r+") as f:
        d = f["spikesProbedNeurons"]
        d[3, 7] = d[1, 7]  # column 7 goes back in time at row 3
    proc = run_cli("bursts", tmp_path / "bad.h5", "--memory-budget", 0.001, "-o", tmp_path / "b.csv", check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 3 and len(lines) == 1, proc.stderr
    assert "/spikesProbedNeurons" in lines[0] and "column 7" in lines[0] and "expected" in lines[0]
    assert not (tmp_path / "b.csv").exists()


def peak_rss_mb(*args):
    """Peak resident memory [MB] of one spikeforge run, measured in a fresh Python process so that
    no earlier child counts."""
    import subprocess
    import sys
    from conftest import BINARY
    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
            "assert r.returncode == 0, r.stderr; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(BINARY), *map(str, args)], capture_output=True, text=True,
                         check=True)
    return int(out.stdout) / 1024.0


def test_streaming_memory_stays_far_below_the_spike_table(binary, tmp_path):
    """36 000 rows x 1 000 neurons, every entry a spike: 3.6e7 spikes, a 412 MiB spike table (12 bytes per
    spike) if read whole. With a 64 MB budget the command must stay far below that, and still be right."""
    rows, neurons = 36_000, 1_000
    # Bursts of 100 consecutive rows every 10 000 steps; column c fires at the row's step + c % 3.
    r = np.arange(rows, dtype=np.uint64)
    row_step = (r // 100) * 10_000 + (r % 100) + 1
    offsets = (np.arange(neurons) % 3).astype(np.uint64)
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("spikesProbedNeurons", (rows, neurons), dtype=np.uint64, chunks=(500, neurons),
                             compression="gzip", compression_opts=1)
        for first in range(0, rows, 2000):
            d[first:first + 2000] = row_step[first:first + 2000, None] + offsets[None, :]
        f["xloc"] = np.zeros(neurons, dtype=np.int32)
        f["yloc"] = np.zeros(neurons, dtype=np.int32)
        f["neuronTypes"] = np.full(neurons, 2, dtype=np.int32)
    out = tmp_path / "b.csv"
    # Mean ISI 50 steps: the 100-row bursts (gaps of 1 step) are avalanches, the 9 900-step pauses end them.
    duration = rows * neurons * 50
    peak = peak_rss_mb("bursts", path, "--memory-budget", 64, "--threshold", 50_000, "--duration-steps", duration,
                       "-o", out)
    table_mb = rows * neurons * 12 / 2**20
    assert table_mb > 400
    assert peak < 128, f"peak RSS {peak:.0f} MB for a {table_mb:.0f} MB spike table with a 64 MB budget"
    # The measurement does see a whole read: the same run without streaming holds the table.
    whole = peak_rss_mb("bursts", path, "--memory-budget", 64, "--threshold", 50_000, "--duration-steps", duration,
                        "--no-stream", "-o", tmp_path / "whole.csv")
    assert whole > table_mb, whole
    assert (tmp_path / "whole.csv").read_text() == out.read_text()
    # The same bursts as the seed's rule on the distinct steps (computed from rows x offsets).
    per_offset = np.bincount(np.arange(neurons) % 3)
    frame = (row_step[:, None] + np.arange(3, dtype=np.uint64)[None, :]).ravel()
    weight = np.tile(per_offset, rows)
    frame, inverse = np.unique(frame, return_inverse=True)
    count = np.bincount(inverse, weights=weight).astype(np.int64)
    expected = reference_avalanches_rows(frame, count, rows * neurons, duration, 50_000)
    sidecar = json.loads((tmp_path / "b.csv.json").read_text())
    assert sidecar["streamed"] is True and sidecar["chunks"] > 20
    _, got = read_csv_rows(out)
    assert len(expected) >= 300  # one burst per 100 rows
    assert [tuple(int(x) for x in row) for row in got] == expected
    print(f"peak RSS {peak:.0f} MB streaming, {whole:.0f} MB whole, spike table {table_mb:.0f} MB, "
          f"{sidecar['chunks']} chunks")


def test_braingrid_columns_at_very_different_rates_spill_to_disk_within_the_budget(binary, tmp_path):
    """Column 0 fires every step, the other 999 columns every 3 000 steps (one burst of 999 steps per 3 000):
    reading rows in order, the slow columns' spikes run ~3 000x ahead of column 0 and must wait (pending)
    until column 0 catches up: ~4e6 pending spikes, >= 64 MB in memory. With a 1 MB budget they go to disk in sorted
    runs (at most 16 MiB of pending spikes in memory; measured ~41 MB peak), and the result equals the whole
    read and the seed's rule."""
    rows, neurons = 4000, 1000
    r = np.arange(1, rows + 1, dtype=np.uint64)
    matrix = (r[:, None] * 3000 + np.arange(neurons, dtype=np.uint64)[None, :]).astype(np.uint64)
    matrix[:, 0] = r
    steps = np.sort(matrix.ravel())
    with h5py.File(tmp_path / "skew.h5", "w") as f:
        f["spikesProbedNeurons"] = matrix
        f["xloc"] = np.zeros(neurons, dtype=np.int32)
        f["yloc"] = np.zeros(neurons, dtype=np.int32)
        f["neuronTypes"] = np.full(neurons, 2, dtype=np.int32)
    del matrix
    flags = ("--threshold", 100, "--duration-steps", 4e7)  # mean ISI 10 steps
    peak = peak_rss_mb("bursts", tmp_path / "skew.h5", *flags, "--memory-budget", 1, "-o", tmp_path / "s.csv")
    whole = peak_rss_mb("bursts", tmp_path / "skew.h5", *flags, "--no-stream", "-o", tmp_path / "w.csv")
    assert (tmp_path / "s.csv").read_text() == (tmp_path / "w.csv").read_text()
    expected, _ = reference_avalanches(steps, 4e7, 100)
    assert len(expected) > 3000
    _, got = read_csv_rows(tmp_path / "s.csv")
    assert [tuple(int(x) for x in row) for row in got] == expected
    assert json.loads((tmp_path / "s.csv.json").read_text())["streamed"] is True
    assert peak < 56, f"streaming peak {peak:.0f} MB (the pending spikes alone would be >= 64 MB in memory)"
    assert whole > 64, whole
    print(f"skewed columns: peak RSS {peak:.0f} MB streaming (spilled), {whole:.0f} MB whole")
