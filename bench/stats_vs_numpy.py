#!/usr/bin/python3
"""Issue 3 benchmark: `spikeforge stats` vs a vectorised numpy/h5py script on a 1e8-spike SONATA file.

    /usr/bin/python3 bench/stats_vs_numpy.py [--file /tmp/sf_bench_1e8.h5] [--binary build/bin/spikeforge]
                                             [--repeats 3] [--units 100000] [--rate 10] [--duration 100]

The file (generated once, reused when it exists with the same parameters) is a SONATA spike report as a
simulation writes it: two populations, `exc` (80 % of the units) and `inh`, Poisson trains whose rates
are gamma-distributed around --rate (shape 4), times on a 0.1 ms grid, each population sorted by
(time, node id) with `sorting = by_time`, uncompressed, chunked datasets (2^20 elements). It is
generated one second at a time, so generation memory stays ~100 MB whatever the duration.

Both sides run as child processes; wall time (perf_counter around the child) and peak RSS (the
child's own rusage, from os.wait4) are measured; medians over --repeats runs, and the ratios.
The numpy side computes what the issue asks to compare: per population the mean rate over all
units (silent ones count) and the mean CV of ISI over units with >= 3 spikes (std ddof 0), in the
same window as spikeforge: [0, last spike]. spikeforge computes more (quartiles, LvR, Fano,
correlations, synchrony, population rate, provenance checksum of the input). The two results are
checked against each other (rates to 1e-9, CVs to 1e-6 relative).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

FILE_DEFAULT = "/tmp/sf_bench_1e8.h5"


# ---------------------------------------------------------------- generation

def generate(path, units, rate_hz, duration_s, seed=12345):
    import h5py

    rng = np.random.default_rng(seed)
    n_exc = int(round(units * 0.8))
    sizes = {"exc": n_exc, "inh": units - n_exc}
    rates = {name: rng.gamma(4.0, rate_hz / 4.0, size=n) for name, n in sizes.items()}
    dt_ms = 0.1
    steps_per_s = int(round(1000.0 / dt_ms))
    tmp = path + ".tmp"
    enum = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="i1")
    with h5py.File(tmp, "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        f.attrs["generator"] = (f"bench/stats_vs_numpy.py units={units} rate={rate_hz} "
                                f"duration={duration_s} seed={seed}")
        sets = {}
        for name in sizes:
            g = f.create_group(f"spikes/{name}")
            g.attrs.create("sorting", 2, dtype=enum)
            ts = g.create_dataset("timestamps", shape=(0,), maxshape=(None,), dtype="<f8", chunks=(1 << 20,))
            ts.attrs["units"] = "ms"
            ids = g.create_dataset("node_ids", shape=(0,), maxshape=(None,), dtype="<u8", chunks=(1 << 20,))
            sets[name] = (ts, ids)
        for second in range(duration_s):
            for name, n in sizes.items():
                counts = rng.poisson(rates[name])  # spikes of each unit in this second
                node = np.repeat(np.arange(n, dtype=np.int64), counts)
                step = rng.integers(0, steps_per_s, size=node.size) + second * steps_per_s
                key = np.sort(step * n + node)  # (time, node) order
                ts, ids = sets[name]
                old = ts.shape[0]
                ts.resize((old + key.size,))
                ids.resize((old + key.size,))
                ts[old:] = (key // n).astype(np.float64) * dt_ms
                ids[old:] = (key % n).astype(np.uint64)
    os.replace(tmp, path)


def file_facts(path):
    import h5py

    with h5py.File(path, "r") as f:
        pops = {name: f[f"spikes/{name}/timestamps"].shape[0] for name in f["spikes"]}
        generator = f.attrs.get("generator", "")
    return pops, generator


# ---------------------------------------------------------------- the numpy reference (child process)

def numpy_reference(path, out):
    """Per population: mean rate over all units, mean CV of ISI over units with >= 3 spikes."""
    import h5py

    with h5py.File(path, "r") as f:
        names = sorted(f["spikes"])
        t_stop = max(float(f[f"spikes/{n}/timestamps"][-1]) for n in names if f[f"spikes/{n}/timestamps"].shape[0])
        result = {"window_ms": [0.0, t_stop], "populations": []}
        for name in names:
            t = f[f"spikes/{name}/timestamps"][...]
            ids = f[f"spikes/{name}/node_ids"][...].view(np.int64)  # uint64 in the file, ids < 2^63
            n_units = int(ids.max()) + 1
            counts = np.bincount(ids, minlength=n_units)
            mean_rate = counts.mean() / (t_stop / 1000.0)
            # Group spikes by unit keeping time order: LSD radix sort on 16-bit digits (numpy's
            # stable argsort of uint16 is a radix sort, O(n)); the file is time-sorted.
            order = np.argsort((ids & 0xFFFF).astype(np.uint16), kind="stable")
            shift = 16
            while (n_units - 1) >> shift:
                digit = ((ids[order] >> shift) & 0xFFFF).astype(np.uint16)
                order = order[np.argsort(digit, kind="stable")]
                del digit
                shift += 16
            del ids
            ts = t[order]
            del t, order
            isi = np.diff(ts)
            ends = np.cumsum(counts)  # unit u: ts[ends[u] - counts[u] : ends[u]]
            starts = ends - counts
            # ISI j = ts[j+1] - ts[j] belongs to a unit unless j + 1 starts a unit.
            boundary = starts[(counts > 0) & (starts > 0)] - 1
            isi[boundary] = 0.0
            csum = np.concatenate(([0.0], np.cumsum(isi * isi)))
            del isi
            ok = counts >= 3
            s, e = starts[ok], ends[ok]
            n_isi = (e - s - 1).astype(np.float64)
            mean = (ts[e - 1] - ts[s]) / n_isi
            mean_sq = (csum[e - 1] - csum[s]) / n_isi
            cv = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0)) / mean
            result["populations"].append({"name": name, "units": n_units, "spikes": int(counts.sum()),
                                          "mean_rate_hz": float(mean_rate),
                                          "cv_isi": float(cv.mean()) if cv.size else None,
                                          "cv_units": int(ok.sum())})
            del ts, csum
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


# ---------------------------------------------------------------- measuring

def run_child(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024.0  # MB (ru_maxrss is in KiB on Linux)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", default=FILE_DEFAULT, help="SONATA file to use, generated if missing")
    ap.add_argument("--binary", default="build/bin/spikeforge")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--rate", type=float, default=10.0, help="mean rate [Hz]")
    ap.add_argument("--duration", type=int, default=100, help="[s]")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--reference", nargs=2, metavar=("FILE", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.reference:
        numpy_reference(*a.reference)
        return

    if a.regenerate or not os.path.exists(a.file):
        start = time.perf_counter()
        generate(a.file, a.units, a.rate, a.duration)
        print(f"generated {a.file} in {time.perf_counter() - start:.1f} s")
    pops, generator = file_facts(a.file)
    spikes = sum(pops.values())
    file_mb = os.path.getsize(a.file) / 1e6
    arrays_mb = spikes * 16 / 1e6  # float64 timestamps + uint64 node ids
    print(f"file {a.file}: {file_mb:.0f} MB, {spikes} spikes {pops}, {generator}")
    print(f"spike arrays in the file: {arrays_mb:.0f} MB")

    sf_out, np_out = "/tmp/sf_bench_stats.json", "/tmp/sf_bench_numpy.json"
    sf_cmd = [a.binary, "stats", a.file, "-o", sf_out, "-q"]
    np_cmd = [sys.executable, os.path.abspath(__file__), "--reference", a.file, np_out]
    runs = {"spikeforge": [], "numpy": []}
    for r in range(a.repeats):  # interleaved, so that machine noise hits both alike
        for name, cmd in (("spikeforge", sf_cmd), ("numpy", np_cmd)):
            wall, rss = run_child(cmd)
            runs[name].append((wall, rss))
            print(f"run {r + 1} {name:10s} {wall:7.2f} s  {rss:7.0f} MB", flush=True)

    with open(sf_out) as f:
        sf = json.load(f)
    with open(np_out) as f:
        ref = json.load(f)
    for p, q in zip(sf["populations"], ref["populations"]):
        assert p["name"] == q["name"] and p["units"] == q["units"] and p["spikes"] == q["spikes"], (p["name"], q)
        assert abs(p["mean_rate_hz"] - q["mean_rate_hz"]) <= 1e-9 * q["mean_rate_hz"], (p["name"], "rate")
        assert abs(p["cv_isi"] - q["cv_isi"]) <= 1e-6 * q["cv_isi"], (p["name"], "cv", p["cv_isi"], q["cv_isi"])
        assert p["cv_units"] == q["cv_units"]
        print(f"  {p['name']}: rate {p['mean_rate_hz']:.6f} Hz, CV {p['cv_isi']:.6f} (numpy {q['cv_isi']:.6f}),"
              f" {p['cv_units']} units with >= 3 spikes: agree")

    med = {k: (statistics.median(w for w, _ in v), statistics.median(m for _, m in v)) for k, v in runs.items()}
    speedup = med["numpy"][0] / med["spikeforge"][0]
    mem_ratio = med["spikeforge"][1] / arrays_mb
    print(f"median spikeforge: {med['spikeforge'][0]:.2f} s, {med['spikeforge'][1]:.0f} MB "
          f"(read {sf['time_s']['read']:.2f} s, analyse {sf['time_s']['analyse']:.2f} s in the last run)")
    print(f"median numpy:      {med['numpy'][0]:.2f} s, {med['numpy'][1]:.0f} MB")
    print(f"speed-up {speedup:.1f}x (target >= 20x: {'met' if speedup >= 20 else 'NOT met'}); "
          f"spikeforge peak RSS / file spike arrays = {mem_ratio:.2f} (target <= 2: {'met' if mem_ratio <= 2 else 'NOT met'})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"file": a.file, "file_mb": file_mb, "spikes": spikes, "arrays_mb": arrays_mb, "runs": runs,
                       "median": med, "speedup": speedup, "memory_ratio": mem_ratio}, f, indent=1)


if __name__ == "__main__":
    main()
