#!/usr/bin/python3
"""Benchmark: spikeforge vs Brian2 2.5.1 cpp_standalone on the COBA Vogels-Abbott network with
80 recurrent inputs per neuron (p = 80/N), 1 s of biological time, in the same run.

    /usr/bin/python3 bench/vogels_abbott.py [--sizes 4000,64000,256000] [--repeats 5] [--json out.json]

spikeforge: build/bin/spikeforge (build it first: scripts/setup), 1 thread, and 2 threads for
the largest size; median of --repeats runs of each, figures from its report.json (build,
simulate, write times; delivered events; bytes per synapse) and peak RSS of the process.
Brian2: bench/brian2_coba.py (codegen + compile + setup, simulate time from inside the
standalone binary, peak RSS of the binary), one run per size (its compile dominates).
Prints a Markdown table and writes all raw figures as JSON. Not a test: numbers depend on the
machine, which is shared and noisy; see bench/RESULTS.md for recorded figures.
"""
import argparse
import json
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
BINARY = ROOT / "build" / "bin" / "spikeforge"


def run_spikeforge(n, threads, seed, out_dir, extra=()):
    """One run; returns report.json plus the process's peak RSS [MB]."""
    args = [str(BINARY), "simulate", "--n", str(n), "--pconn", repr(80.0 / n), "--t-stop", "1000",
            "--threads", str(threads), "--seed", str(seed), "--out", str(out_dir), "--quiet", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(args, check=True)
    report = json.loads((out_dir / "report.json").read_text())
    report["process_peak_rss_mb"] = report["peak_rss_mb"]
    return report


def median_run(n, threads, repeats, work):
    runs = [run_spikeforge(n, threads, 1, work / f"sf_{n}_{threads}_{k}") for k in range(repeats)]
    pick = lambda key: statistics.median(r["time_s"][key] for r in runs)
    return {
        "n": n, "threads": threads, "repeats": repeats,
        "build_s": pick("build"), "simulate_s": pick("simulate"), "write_s": pick("write"),
        "simulate_all_s": [r["time_s"]["simulate"] for r in runs],
        "total_s": statistics.median(sum(r["time_s"].values()) for r in runs),
        "events": runs[0]["events"], "synapses": runs[0]["synapses"], "spikes": runs[0]["spikes"],
        "events_per_s": runs[0]["events"] / pick("simulate"),
        "bytes_per_synapse": runs[0]["bytes_per_synapse"],
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "rate_hz": runs[0]["rate_hz"],
    }


def run_brian2(n, work):
    out = work / f"brian2_{n}.json"
    subprocess.run(["/usr/bin/python3", str(ROOT / "bench" / "brian2_coba.py"), "--n", str(n), "--json", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    result = json.loads(out.read_text())
    return result[0] if isinstance(result, list) else result


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return f"{cpu}, {os.cpu_count()} cores, {int(mem) // 1024 // 1024} GiB, {platform.platform()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="4000,64000,256000")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-brian2", action="store_true", help="spikeforge only")
    ap.add_argument("--json", help="write raw results here")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {"machine": machine(), "spikeforge": [], "brian2": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for n in sizes:
            results["spikeforge"].append(median_run(n, 1, args.repeats, work))
            if n == max(sizes):
                results["spikeforge"].append(median_run(n, 2, args.repeats, work))
            if not args.no_brian2:
                results["brian2"].append(run_brian2(n, work))
    print(f"machine: {results['machine']}")
    print("| N | threads | spikeforge build s | simulate s | events/s | peak RSS MB | B/synapse | Brian2 build s | simulate s | events/s | peak RSS MB | simulate ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    brian = {b["n"]: b for b in results["brian2"]}
    for r in results["spikeforge"]:
        b = brian.get(r["n"], {})
        ratio = (r["simulate_s"] / b["simulate_s"]) if b.get("simulate_s") else float("nan")
        print(f"| {r['n']} | {r['threads']} | {r['build_s']:.3f} | {r['simulate_s']:.3f} | {r['events_per_s'] / 1e6:.0f} M | "
              f"{r['peak_rss_mb']:.0f} | {r['bytes_per_synapse']:.2f} | {b.get('build_s', float('nan')):.1f} | "
              f"{b.get('simulate_s', float('nan')):.3f} | {b.get('events_per_s', float('nan')) / 1e6:.0f} M | "
              f"{b.get('peak_rss_mb', float('nan')):.0f} | {ratio:.2f} |")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
