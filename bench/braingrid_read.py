#!/usr/bin/python3
"""Issue 3 benchmark: reading a BrainGrid HDF5 file into a sorted spike table, MB/s vs the disk.

    /usr/bin/python3 bench/braingrid_read.py [--file /tmp/sf_bench_braingrid.h5] [--binary build/bin/spikeforge]
                                             [--neurons 10000] [--rows 40000] [--repeats 3] [--convert]

The file (generated once, reused when present) has BrainGrid's layout: /spikesProbedNeurons
[rows x neurons] uint64 time steps (dt = 0.1 ms), each column ascending and 0-padded at its end,
plus /xloc, /yloc (a 100 x 100 grid), /neuronTypes (10 % inhibitory = 1, else 2), /starterNeurons,
/simulationEndTime [s]. Neuron rates are uniform in 1-10 Hz, spike trains are Poisson with a 2 ms
dead time, and the run lasts rows / 10 Hz (4000 s for 40 000 rows), so the fastest neurons fill
(and are cut at) the last row and a 1 Hz neuron uses a tenth of its column. The matrix is
contiguous (as BrainGrid writes it) and written in blocks of 500 rows (bounded generation memory).

Measured, each as a child process (wall time, peak RSS from os.wait4), median of --repeats:
  - `spikeforge info FILE --json`: the read into the (time, unit)-sorted table plus per-population
    counts; MB/s = file size / wall time;
  - optionally (--convert) `spikeforge convert FILE /tmp/sf_bench_braingrid.npy` (read + NPY write +
    read-back count);
  - `dd if=FILE of=/dev/null bs=16M` (through the page cache, as spikeforge reads) and the same
    with iflag=direct (O_DIRECT: the device itself, the page cache bypassed, nothing dropped).
The page-cache state is reported with fincore before the runs: caches are never dropped, so
after generation the file is usually fully cached and every buffered read is a warm-cache read.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

FILE_DEFAULT = "/tmp/sf_bench_braingrid.h5"


def generate(path, neurons, rows, seed=2024, block_rows=500):
    import h5py

    rng = np.random.default_rng(seed)
    dt_ms = 0.1
    rates = rng.uniform(1.0, 10.0, size=neurons)
    end_s = rows / 10.0
    end_step = int(round(end_s * 1000.0 / dt_ms))
    mean_steps = 1000.0 / rates / dt_ms  # mean ISI [steps]
    dead_steps = 20  # 2 ms
    tmp = path + ".tmp"
    last = np.zeros(neurons, dtype=np.int64)
    total = 0
    with h5py.File(tmp, "w") as f:
        m = f.create_dataset("spikesProbedNeurons", shape=(rows, neurons), dtype="<u8")  # contiguous
        for first in range(0, rows, block_rows):
            n = min(block_rows, rows - first)
            isi = dead_steps + np.ceil(rng.exponential(1.0, size=(n, neurons)) * (mean_steps - dead_steps)).astype(
                np.int64)
            steps = last + np.cumsum(isi, axis=0)
            last = steps[-1].copy()  # (steps is zeroed past the end below)
            steps[steps > end_step] = 0  # past the end of the run: padding
            total += int(np.count_nonzero(steps))
            m[first:first + n] = steps.astype(np.uint64)
        side = int(np.ceil(np.sqrt(neurons)))
        f["xloc"] = (np.arange(neurons) % side).astype(np.float64)
        f["yloc"] = (np.arange(neurons) // side).astype(np.float64)
        types = np.full(neurons, 2, dtype=np.int32)
        types[rng.choice(neurons, size=neurons // 10, replace=False)] = 1
        f["neuronTypes"] = types
        f["starterNeurons"] = np.sort(rng.choice(neurons, size=max(1, neurons // 100), replace=False)).astype(
            np.int32)
        f["simulationEndTime"] = np.array([end_s])
        f.attrs["generator"] = f"bench/braingrid_read.py neurons={neurons} rows={rows} seed={seed} spikes={total}"
    os.replace(tmp, path)
    return total


def timed(cmd):
    """Wall time and the child's own peak RSS [MB] (os.wait4), stdout and stderr."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The outputs are small (JSON, dd's 3 lines): read them after the child ends.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024.0, out, err


def dd_speed(path, direct):
    cmd = ["dd", f"if={path}", "of=/dev/null", "bs=16M"] + (["iflag=direct"] if direct else [])
    wall, _, _, err = timed(cmd)
    size = os.path.getsize(path)
    return size / 1e6 / wall, err.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", default=FILE_DEFAULT)
    ap.add_argument("--binary", default="build/bin/spikeforge")
    ap.add_argument("--neurons", type=int, default=10_000)
    ap.add_argument("--rows", type=int, default=40_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--convert", action="store_true", help="also time `spikeforge convert FILE x.npy`")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()

    if a.regenerate or not os.path.exists(a.file):
        start = time.perf_counter()
        spikes = generate(a.file, a.neurons, a.rows)
        print(f"generated {a.file} ({spikes} spikes) in {time.perf_counter() - start:.1f} s")
    size_mb = os.path.getsize(a.file) / 1e6
    print(f"file {a.file}: {size_mb:.0f} MB")
    if shutil.which("fincore"):
        print("page cache before the runs (fincore):",
              subprocess.run(["fincore", "-b", a.file], capture_output=True, text=True).stdout.strip().splitlines()[-1])

    result = {"file": a.file, "file_mb": size_mb, "runs": {}}
    dd = {"buffered": [], "direct": []}
    info = []
    conv = []
    for r in range(a.repeats):
        for kind in ("buffered", "direct"):
            mbps, line = dd_speed(a.file, kind == "direct")
            dd[kind].append(mbps)
            print(f"run {r + 1} dd {kind:8s} {mbps:8.0f} MB/s   ({line})", flush=True)
        wall, rss, out, _ = timed([a.binary, "info", a.file, "--json"])
        facts = json.loads(out)
        info.append((wall, rss))
        print(f"run {r + 1} spikeforge info  {wall:6.2f} s  {size_mb / wall:8.0f} MB/s  peak {rss:6.0f} MB  "
              f"({facts.get('spikes')} spikes)", flush=True)
        if a.convert:
            wall, rss, out, _ = timed([a.binary, "convert", a.file, "/tmp/sf_bench_braingrid.npy"])
            conv.append((wall, rss))
            print(f"run {r + 1} spikeforge convert -> npy {wall:6.2f} s  {size_mb / wall:8.0f} MB/s  peak {rss:6.0f} MB",
                  flush=True)
    for leftover in ("/tmp/sf_bench_braingrid.npy", "/tmp/sf_bench_braingrid.npy.json"):
        if os.path.exists(leftover):
            os.remove(leftover)

    med_info = statistics.median(w for w, _ in info)
    med_rss = statistics.median(m for _, m in info)
    med_buf, med_dir = statistics.median(dd["buffered"]), statistics.median(dd["direct"])
    print(f"median spikeforge info: {med_info:.2f} s = {size_mb / med_info:.0f} MB/s, peak RSS {med_rss:.0f} MB")
    print(f"median dd: {med_buf:.0f} MB/s through the (warm) page cache, {med_dir:.0f} MB/s O_DIRECT (device)")
    print(f"spikeforge / dd buffered = {size_mb / med_info / med_buf:.2f}, spikeforge / dd direct = "
          f"{size_mb / med_info / med_dir:.2f}")
    result.update({"spikes": facts.get("spikes"), "info": info, "convert": conv, "dd": dd,
                   "median_info_s": med_info, "median_info_rss_mb": med_rss,
                   "median_dd_buffered_mbps": med_buf, "median_dd_direct_mbps": med_dir})
    if conv:
        med_conv = statistics.median(w for w, _ in conv)
        print(f"median spikeforge convert -> npy: {med_conv:.2f} s = {size_mb / med_conv:.0f} MB/s")
        result["median_convert_s"] = med_conv
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
