#!/usr/bin/python3
"""Issue 5 benchmark: `spikeforge pile build` and `pile motifs` on a 1000-unit, 2-hour session
(360 M tokens of 20 ms) against the original builder's numpy code in the same run, and 1 vs 2
workers (local processes and MPI ranks) on 8 sessions.

    /usr/bin/python3 bench/pile_pipeline.py [--build-dir build] [--runs 3] [--work /tmp/pilebench]

Prints one JSON object; bench/RESULTS.md records the figures. The numpy reference is what the
original's build scripts do per session after pynwb has read the units table: h5py reads the spike
times, np.histogram per unit on np.arange(0, max_t + b, b), astype(uint8), np.array_split into
ceil(tokens / 1e7) segments. It writes no output (the original hands the rows to the Hugging Face
datasets library), so the ratio for pile build, which also writes zstd Parquet shards, favours
numpy. The motif reference is extract_motifs.py's Counter over patch.tobytes()."""
import argparse
import collections
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "python"))
from test_pile_algorithms import ref_patches  # noqa: E402  the original's patch order
from test_pile_bin import write_nwb  # noqa: E402  a minimal NWB units table


def make_session(path, units, seconds, seed):
    """Poisson units with log-normal rates (median 2 Hz, some above 50 Hz) over `seconds`."""
    rng = np.random.default_rng(seed)
    rates = rng.lognormal(np.log(2.0), 1.0, units)
    times = [np.sort(rng.uniform(0, seconds, rng.poisson(r * seconds))) for r in rates]
    times[0] = np.append(times[0], seconds)  # every session reaches its duration
    write_nwb(path, times)
    return sum(len(t) for t in times)


def numpy_build(path, bin_s=0.02, max_tokens=10_000_000):
    with h5py.File(path, "r") as f:
        t, idx = f["units/spike_times"][()], f["units/spike_times_index"][()]
    units = np.split(t, idx[:-1].astype(np.int64))
    max_t = max(u.max() for u in units if len(u))
    edges = np.arange(0, max_t + bin_s, bin_s)
    counts = np.array([np.histogram(u, edges)[0] for u in units]).astype(np.uint8)
    return np.array_split(counts, -(-counts.size // max_tokens), axis=1)


def numpy_motifs(rows, p0=1, p1=10):
    c = collections.Counter()
    for r in rows:
        for p in ref_patches(r, p0, p1):
            c[p.tobytes()] += 1
    return c


def timed(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def run(cmd):
    subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/pilebench")
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--hours", type=float, default=2.0)
    a = ap.parse_args()
    sf = pathlib.Path(a.build_dir).resolve() / "bin" / "spikeforge"
    work = pathlib.Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    (work / "big" / "sub-0").mkdir(parents=True)
    session = work / "big" / "sub-0" / "ses-0.nwb"
    spikes = make_session(session, a.units, a.hours * 3600, 1)
    report = {"units": a.units, "hours": a.hours, "spikes": spikes, "tokens": a.units * int(a.hours * 3600 / 0.02)}

    ref_s, ref_runs = timed(lambda: numpy_build(session), 1)
    out = work / "out"
    def build():
        shutil.rmtree(out, ignore_errors=True)
        run([sf, "pile", "build", session, "-o", out, "-q"])
    sf_s, sf_runs = timed(build, a.runs)
    report["build"] = {"numpy_s": ref_s, "spikeforge_s": sf_s, "spikeforge_runs": sf_runs, "ratio": ref_s / sf_s}

    rows = numpy_build(session)
    ref_s, _ = timed(lambda: numpy_motifs(rows), 1)
    sf_s, sf_runs = timed(lambda: run([sf, "pile", "motifs", out, "--patch", "1x10", "-o", work / "m.parquet",
                                       "--threads", 1, "-q"]), a.runs)
    tokens = sum(r.size for r in rows)
    report["motifs_1x10"] = {"numpy_s": ref_s, "spikeforge_s": sf_s, "spikeforge_runs": sf_runs,
                             "spikeforge_tokens_per_s": tokens / sf_s, "ratio": ref_s / sf_s}
    del rows

    # 1 vs 2 workers: 8 sessions of 250 units x 30 min.
    many = work / "many"
    for i in range(8):
        (many / f"sub-{i % 2}").mkdir(parents=True, exist_ok=True)
        make_session(many / f"sub-{i % 2}" / f"ses-{i}.nwb", 250, 1800, 10 + i)
    workers = {}
    for label, cmd in (("1 worker", [sf, "pile", "build", many, "-q"]),
                       ("2 workers", [sf, "pile", "build", many, "--workers", 2, "-q"]),
                       ("2 MPI ranks", ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", 2,
                                        sf, "pile", "build", many, "-q"])):
        def go(cmd=cmd):
            shutil.rmtree(work / "w", ignore_errors=True)
            run(cmd + ["-o", work / "w"])
        workers[label], _ = timed(go, a.runs)
    report["workers_8_sessions"] = {k: v for k, v in workers.items()}
    report["workers_8_sessions"]["speedup_2_workers"] = workers["1 worker"] / workers["2 workers"]
    report["workers_8_sessions"]["speedup_2_ranks"] = workers["1 worker"] / workers["2 MPI ranks"]
    print(json.dumps(report, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
