#!/usr/bin/python3
"""Issue 8 benchmark: 1 rank x 1 thread vs 2 ranks x 1 thread (OpenMPI) vs 1 rank x 2 threads on
this machine, for the 256 000-neuron COBA network (1 s, as in issue 2's benchmark) and the
full-scale microcircuit (0.5 s); and a model of
the spike exchange per epoch at 16 and 128 ranks from the measured spike volume.

    /usr/bin/python3 bench/mpi_scaling.py [--binary build/bin/spikeforge] [--repeats 3]

From report.json (medians of --repeats): build and simulate time [s], communicate time of each rank
[s] (time inside the epoch's allgather, including waiting for the slower rank), peak memory per
rank [MB], spikes and epochs. Communication model per epoch (one MPI_Allgatherv of every rank's
spikes): t(R) = 2 x ceil(log2 R) x alpha + (R - 1) / R x V x beta, with V = bytes gathered per
epoch (4 B per spike id + 4 B per population and step of every rank), alpha = 2 us latency and
beta = 1 / 10 GB/s (an InfiniBand-class network; the textbook recursive-doubling / ring
allgather cost); compared with the compute time per epoch if the measured 1-rank compute were
divided by R. Prints JSON.
"""
import argparse
import json
import math
import pathlib
import statistics
import subprocess

NETWORKS = {
    # The issue-2 benchmark's 256 000-neuron COBA network (see bench/RESULTS.md) and the full-scale
    # microcircuit of issue 7.
    "coba-256k": ["--n", 256000, "--pconn", 80 / 256000, "--t-stop", 1000],
    "microcircuit": ["--model", "microcircuit", "--t-stop", 500],
}


def run(binary, mpi_ranks, threads, args, out):
    cmd = [str(binary), "simulate", *map(str, args), "--threads", str(threads), "--out", str(out), "-q"]
    if mpi_ranks > 1:
        cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(mpi_ranks), *cmd]
    subprocess.run(cmd, check=True)
    return json.loads((pathlib.Path(out) / "report.json").read_text())


def comm_model(spikes_per_epoch, populations, steps_per_epoch, ranks, alpha=2e-6, beta=1 / 10e9):
    volume = 4 * spikes_per_epoch + 4 * populations * steps_per_epoch * ranks
    return 2 * math.ceil(math.log2(ranks)) * alpha + (ranks - 1) / ranks * volume * beta, volume


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/bin/spikeforge")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="/tmp/sf_bench_mpi")
    a = ap.parse_args()
    result = {}
    for name, args in NETWORKS.items():
        rows = {}
        for label, ranks, threads in (("1 rank x 1 thread", 1, 1), ("2 ranks x 1 thread", 2, 1), ("1 rank x 2 threads", 1, 2)):
            reports = [run(a.binary, ranks, threads, args, f"{a.out}/{name}-{ranks}-{threads}")
                       for _ in range(a.repeats)]
            med = lambda f: statistics.median(f(r) for r in reports)
            rows[label] = {
                "build_s": med(lambda r: r["time_s"]["build"]),
                "simulate_s": med(lambda r: r["time_s"]["simulate"]),
                "communicate_s_per_rank": [statistics.median(r["per_rank"][k]["communicate_s"] for r in reports)
                                           for k in range(ranks)],
                "peak_rss_mb_per_rank": [statistics.median(r["per_rank"][k]["peak_rss_mb"] for r in reports)
                                         for k in range(ranks)],
                "simulate_runs_s": [r["time_s"]["simulate"] for r in reports],
            }
        r = reports[-1]
        epochs = r["t_stop_ms"] / r["min_delay_ms"]
        steps = r["min_delay_ms"] / r["dt_ms"]
        spikes_per_epoch = r["spikes"] / epochs
        compute_per_epoch = rows["1 rank x 1 thread"]["simulate_s"] / epochs
        model = {}
        for ranks in (2, 16, 128):
            t, volume = comm_model(spikes_per_epoch, len(r["populations"]), steps, ranks)
            model[ranks] = {"bytes_per_epoch": volume, "exchange_us": t * 1e6,
                            "compute_us_if_divided": compute_per_epoch / ranks * 1e6}
        result[name] = {"neurons": r["neurons"], "synapses": r["synapses"], "spikes": r["spikes"], "epochs": epochs,
                        "spikes_per_epoch": spikes_per_epoch, "runs": rows, "exchange_model": model}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
