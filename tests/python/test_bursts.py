"""`spikeforge bursts`: the avalanche method against a literal Python transcription of the BrainGrid
rule (getWindows.m, docs/bursts.md) and the binned method against numpy, on generated SONATA files
and on Graphitti's regression output."""
import csv
import json
import pathlib

import h5py
import numpy as np
import pytest

from conftest import run_cli

DT_MS = 0.1
GRAPHITTI = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "graphitti" / "test-medium-long-out.xml"


def reference_avalanches(steps, duration_steps, threshold):
    """The seed's loop, kept in its 1-based form so it can be read against getWindows.m.

    Returns (bursts as tuples in allBurst.csv column order, number of avalanches)."""
    frame, count = np.unique(np.asarray(steps, dtype=np.int64), return_counts=True)
    space = np.diff(frame)
    n_space = len(space)
    mean_isi = duration_steps / len(steps)
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
