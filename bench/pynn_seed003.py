#!/usr/bin/python3
"""Benchmark: seed 003's PyNN notebook (examples/vogels_abbott_seed003.py) on pyNN.spikeforge
vs pyNN.brian2 (Debian's python3-pynn + python3-brian), and the overhead of the Python API
over the CLI on the built-in Vogels-Abbott network.

    /usr/bin/python3 bench/pynn_seed003.py [--sizes 1000:0.01,4000:0.02] [--repeats 3]
        [--brian2-repeats 1] [--backends spikeforge,brian2] [--no-overhead]
        [--overhead-sizes 4000,20000] [--json out.json] [--keep DIR]

1. PyNN. For each backend and each size N:pconn, the example is copied with only its import
   (`import pyNN.<backend> as sim`) and its module-level `n = ...` / `pconn = ...` lines changed,
   and run with /usr/bin/python3 in a fresh working folder (it writes exc.pkl / inh.pkl there).
   One workaround on the brian2 side: pyNN 0.10.1's brian2 recorder cannot return a subset of
   recorded membrane traces (pyNN/brian2/recording.py `_get_all_signals` raises
   NotImplementedError), which `inh_cells.write_data('inh.pkl')` asks for (v is recorded on
   exc_cells[[0, 1]] of the same parent population, none of them inhibitory). The brian2 copy
   writes inh.pkl with `variables='spikes'`: the same content (spike trains only) as spikeforge's.
   pyNN.spikeforge is found through build/python (--python-dir): the child installs
   pynn_spikeforge_finder first, as tests/python/conftest.py's run_python does. Figures: the
   script's own printed build / simulation / writing times (pyNN's Timer: wall time inside the
   script, after the imports) and excitatory / inhibitory rates; the wall time of the whole
   child process (time.perf_counter around it: interpreter start, imports, everything) and its
   peak RSS (/usr/bin/time -f %M, that child only). Median of --repeats runs for spikeforge and
   of --brian2-repeats for brian2, and the ratios brian2 / spikeforge. pyNN.brian2 runs Brian2
   in runtime mode with its default code generation target; generated code compiled by Cython
   is cached in ~/.cython, so the first run of a size can be slower than the next ones (every
   run's figures are in the JSON).
2. API overhead (--overhead, on by default). The built-in Vogels-Abbott network (COBA, seed 1,
   1 thread, 1 s) of N neurons, run by `build/bin/spikeforge simulate --n N` and by
   `spikeforge.Simulation(spikeforge.Network.builtin("vogels-abbott", n=N, seed=1)).run()` in a
   fresh /usr/bin/python3, each --repeats times. In-process: the CLI's build + simulate from its
   report.json vs the Python build (Network.builtin + Simulation) + run, timed inside the child.
   Whole process: wall time of each child. Interpreter + `import spikeforge` is also timed on its
   own (a child that only imports). Overhead = (Python - CLI) / CLI. The CLI also writes
   spikes.h5 + report.json and computes statistics (its write time is shown); the Python API
   keeps the spikes in memory and writes nothing. Spike counts are compared as a check that
   both ran the same network.

Prints Markdown tables ready for bench/RESULTS.md, with the machine and the exact command;
--json writes every run's raw figures. Not a test: the machine is shared and noisy.
"""
import argparse
import json
import os
import pathlib
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "vogels_abbott_seed003.py"
PYTHON = "/usr/bin/python3"
GNU_TIME = "/usr/bin/time"
TIMEOUT_S = 1800
BACKENDS = ("spikeforge", "brian2")

# The figures the example prints, e.g. "Build time             : 0.123 s".
PRINTED = {"Build time": "build_s", "Simulation time": "simulate_s", "Writing time": "write_s",
           "Excitatory rate": "exc_rate_hz", "Inhibitory rate": "inh_rate_hz", "Number of Neurons": "neurons"}


class ChildFailed(RuntimeError):
    """A benchmarked child process failed; the message holds its exit status and output."""


# --- running children ---------------------------------------------------------------------------
def bootstrap(python_dir, body):
    """Python source that makes `spikeforge` and `pyNN.spikeforge` importable from python_dir, then runs body."""
    return ("import sys; sys.path.insert(0, %r); import pynn_spikeforge_finder as f; f.install(%r)\n%s"
            % (str(python_dir), str(python_dir / "pynn_spikeforge"), body))


def timed_run(cmd, cwd, label):
    """Runs cmd under GNU time in cwd; returns (stdout, wall seconds, peak RSS [MB] of that child).

    Wall time is taken here (perf_counter; GNU time's %e has only 10 ms resolution), peak RSS by
    GNU time (%M, KiB), which reports the child alone, unlike RUSAGE_CHILDREN's maximum over all
    children so far."""
    rss_file = pathlib.Path(cwd) / ".peak_rss_kib"
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([GNU_TIME, "-f", "%M", "-o", str(rss_file), *map(str, cmd)], cwd=cwd,
                              capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as err:
        raise ChildFailed(f"{label}: timed out after {TIMEOUT_S} s\n{err.stdout or ''}\n{err.stderr or ''}") from None
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise ChildFailed(f"{label}: exited {proc.returncode} (in {cwd})\n--- stdout ---\n{proc.stdout}\n"
                          f"--- stderr ---\n{proc.stderr}")
    rss_text = rss_file.read_text().split()
    return proc.stdout, wall, int(rss_text[-1]) / 1024.0


# --- 1. the PyNN example on both backends -------------------------------------------------------
def substitute_once(pattern, replacement, text, what):
    new, count = re.subn(pattern, replacement, text, flags=re.M)
    if count != 1:
        raise SystemExit(f"{EXAMPLE}: expected exactly one {what} line to replace, found {count} "
                         f"(pattern {pattern!r}); the example changed, update this benchmark")
    return new


def example_for(backend, n, pconn):
    """The example's source with its backend and size changed, and for brian2 the one workaround
    (see the module docstring)."""
    text = EXAMPLE.read_text()
    text = substitute_once(r"^import pyNN\.spikeforge as sim$", f"import pyNN.{backend} as sim", text, "import")
    text = substitute_once(r"^(n\s*=\s*)[-+\d.eE]+", rf"\g<1>{n}", text, "`n = ...`")
    text = substitute_once(r"^(pconn\s*=\s*)[-+\d.eE]+", rf"\g<1>{pconn!r}", text, "`pconn = ...`")
    if backend == "brian2":
        text = substitute_once(r"^(\s*inh_cells\.write_data\(filenameI \+ '\.pkl')\)$", r"\g<1>, variables='spikes')",
                               text, "`inh_cells.write_data(filenameI + '.pkl')`")
    return text


def parse_printed(stdout, label):
    found = dict(re.findall(r"^(\w[\w ]*\w)\s*: (\S+)", stdout, flags=re.M))
    missing = [name for name in PRINTED if name not in found]
    if missing:
        raise ChildFailed(f"{label}: output lacks {', '.join(missing)}\n--- stdout ---\n{stdout}")
    return {key: float(found[name]) for name, key in PRINTED.items()}


def run_example(backend, n, pconn, k, python_dir, work):
    """One run of the example; returns its figures."""
    run_dir = work / f"pynn_{backend}_{n}_{pconn}_{k}"
    run_dir.mkdir(parents=True)
    script = run_dir / "vogels_abbott_seed003.py"
    script.write_text(example_for(backend, n, pconn))
    if backend == "spikeforge":
        cmd = [PYTHON, "-c", bootstrap(python_dir, f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')")]
    else:
        cmd = [PYTHON, str(script)]
    label = f"pyNN.{backend} n={n} pconn={pconn} run {k + 1}"
    stdout, wall, rss = timed_run(cmd, run_dir, label)
    figures = parse_printed(stdout, label)
    if figures["neurons"] != n:
        raise ChildFailed(f"{label}: printed {figures['neurons']:g} neurons, expected {n}")
    figures.update(total_s=figures["build_s"] + figures["simulate_s"] + figures["write_s"],
                   wall_s=wall, peak_rss_mb=rss)
    return figures


PYNN_KEYS = ("build_s", "simulate_s", "write_s", "total_s", "wall_s", "peak_rss_mb", "exc_rate_hz", "inh_rate_hz")


def pynn_cell(backend, n, pconn, repeats, python_dir, work):
    """Medians over `repeats` runs (every run kept); a failure is recorded, not raised."""
    cell = {"backend": backend, "n": n, "pconn": pconn, "repeats": repeats, "runs": []}
    try:
        for k in range(repeats):
            cell["runs"].append(run_example(backend, n, pconn, k, python_dir, work))
            print(f"  pyNN.{backend} n={n} pconn={pconn} run {k + 1}/{repeats}: "
                  f"wall {cell['runs'][-1]['wall_s']:.2f} s", file=sys.stderr, flush=True)
    except ChildFailed as err:
        cell["error"] = str(err)
        print(f"FAILED: {err}", file=sys.stderr, flush=True)
        return cell
    cell.update({key: statistics.median(r[key] for r in cell["runs"]) for key in PYNN_KEYS})
    return cell


# --- 2. API overhead: CLI vs Python API on the built-in network ---------------------------------
PY_API_RUN = """
import json, time
t0 = time.perf_counter()
import spikeforge as sf
t1 = time.perf_counter()
sim = sf.Simulation(sf.Network.builtin("vogels-abbott", n={n}, seed=1, threads=1))
t2 = time.perf_counter()
sim.run()
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "build_s": t2 - t1, "simulate_s": t3 - t2, "version": sf.__version__,
                  "spikes": {{p["name"]: p["spikes"] for p in sim.populations()}}}}))
"""


def overhead_cell(n, repeats, binary, python_dir, work):
    cell = {"n": n, "repeats": repeats, "cli": [], "python": [], "import_only": []}
    try:
        for k in range(repeats):
            run_dir = work / f"overhead_{n}_{k}"
            run_dir.mkdir(parents=True)
            out = run_dir / "out"
            _, wall, rss = timed_run([binary, "simulate", "--n", n, "--seed", 1, "--threads", 1, "--out", out,
                                      "--quiet"], run_dir, f"spikeforge simulate --n {n}")
            report = json.loads((out / "report.json").read_text())
            t = report["time_s"]
            cell["cli"].append({"build_s": t["build"], "simulate_s": t["simulate"], "write_s": t["write"],
                                "run_s": t["build"] + t["simulate"], "wall_s": wall, "peak_rss_mb": rss,
                                "spikes": {p["name"]: p["spikes"] for p in report["populations"]}})
            stdout, wall, rss = timed_run([PYTHON, "-c", bootstrap(python_dir, PY_API_RUN.format(n=n))], run_dir,
                                          f"Python API n={n}")
            r = json.loads(stdout.strip().splitlines()[-1])
            r.update(run_s=r["build_s"] + r["simulate_s"], wall_s=wall, peak_rss_mb=rss)
            cell["python"].append(r)
            _, wall, _ = timed_run([PYTHON, "-c", bootstrap(python_dir, "import spikeforge")], run_dir,
                                   "import spikeforge")
            cell["import_only"].append(wall)
            print(f"  overhead n={n} run {k + 1}/{repeats}: CLI wall {cell['cli'][-1]['wall_s']:.3f} s, "
                  f"Python wall {r['wall_s']:.3f} s", file=sys.stderr, flush=True)
    except ChildFailed as err:
        cell["error"] = str(err)
        print(f"FAILED: {err}", file=sys.stderr, flush=True)
        return cell
    med = lambda rows, key: statistics.median(row[key] for row in rows)
    cli = {key: med(cell["cli"], key) for key in ("build_s", "simulate_s", "write_s", "run_s", "wall_s", "peak_rss_mb")}
    py = {key: med(cell["python"], key) for key in ("import_s", "build_s", "simulate_s", "run_s", "wall_s", "peak_rss_mb")}
    cell.update(cli_median=cli, python_median=py, import_only_wall_s=statistics.median(cell["import_only"]),
                overhead_run=(py["run_s"] - cli["run_s"]) / cli["run_s"],
                overhead_wall=(py["wall_s"] - cli["wall_s"]) / cli["wall_s"],
                same_spikes=all(r["spikes"].get(name) == count for r in cell["python"]
                                for name, count in cell["cli"][0]["spikes"].items()))
    return cell


# --- the machine and the report -------------------------------------------------------------------
def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return {"cpu": cpu, "nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(),
            "mem_gib": round(int(mem) / 1024 / 1024, 1), "platform": platform.platform()}


def versions(python_dir):
    body = ("import json, pyNN, brian2, spikeforge\n"
            "print(json.dumps({'pyNN': pyNN.__version__, 'brian2': brian2.__version__, "
            "'spikeforge': spikeforge.__version__}))")
    proc = subprocess.run([PYTHON, "-c", bootstrap(python_dir, body)], capture_output=True, text=True, timeout=300)
    return json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr.strip().splitlines()[-1:]}


def fmt(x, digits=3):
    return "n/a" if x is None else f"{x:.{digits}f}"


def failed_row(cells, columns):
    cells = [*cells, "FAILED (see stderr)"]
    return "| " + " | ".join(map(str, cells + [""] * (columns - len(cells)))) + " |"


def print_report(results):
    m = results["machine"]
    print(f"Command: `{results['command']}`\n")
    print(f"Machine: {m['cpu']}, nproc {m['nproc']}, {m['mem_gib']} GiB, {m['platform']}; load average "
          f"{results['load_start']} at the start, {results['load_end']} at the end; versions {results['versions']}.\n")
    if results["pynn"]:
        print("PyNN seed 003 example: medians; build / simulate / write are the script's own timers, total their "
              "sum, wall the whole process (interpreter + imports + everything), peak RSS of the process.\n")
        print("| N | pconn | backend | runs | build [s] | simulate [s] | write [s] | total [s] | wall [s] | "
              "peak RSS [MB] | exc rate [Hz] | inh rate [Hz] |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for c in results["pynn"]:
            if "error" in c:
                print(failed_row([c["n"], c["pconn"], f"pyNN.{c['backend']}"], 12))
                continue
            print(f"| {c['n']} | {c['pconn']} | pyNN.{c['backend']} | {c['repeats']} | {fmt(c['build_s'])} | "
                  f"{fmt(c['simulate_s'])} | {fmt(c['write_s'])} | {fmt(c['total_s'])} | {fmt(c['wall_s'], 2)} | "
                  f"{c['peak_rss_mb']:.0f} | {c['exc_rate_hz']:.2f} | {c['inh_rate_hz']:.2f} |")
        cells = {(c["backend"], c["n"], c["pconn"]): c for c in results["pynn"] if "error" not in c}
        pairs = [(sf, cells.get(("brian2", sf["n"], sf["pconn"]))) for key, sf in cells.items() if key[0] == "spikeforge"]
        pairs = [(sf, b2) for sf, b2 in pairs if b2]
        if pairs:
            print("\nRatios brian2 / spikeforge (medians; > 1: spikeforge faster).\n")
            print("| N | pconn | build | simulate | write | total | wall |")
            print("|---|---|---|---|---|---|---|")
            ratio = lambda b2, sf, key: b2[key] / sf[key] if sf[key] > 0 else float("inf")
            for sf, b2 in pairs:
                print(f"| {sf['n']} | {sf['pconn']} | " +
                      " | ".join(f"{ratio(b2, sf, k):.1f}" for k in ("build_s", "simulate_s", "write_s", "total_s", "wall_s"))
                      + " |")
    if results["overhead"]:
        print("\nPython API overhead vs the CLI, built-in Vogels-Abbott COBA, seed 1, 1 thread, 1 s (medians). "
              "In-process: CLI build + simulate (report.json) vs Python Network.builtin + Simulation + run. "
              "Whole process: wall of each child; the CLI's includes writing spikes.h5 + report.json (write column) "
              "and its statistics, the Python child's includes the interpreter and `import spikeforge` (import-only "
              "child: its own column) and keeps spikes in memory.\n")
        print("| N | runs | CLI build+sim [s] | Python build+sim [s] | overhead | CLI wall [s] | CLI write [s] | "
              "Python wall [s] | interpreter+import wall [s] | overhead (wall) | CLI / Python peak RSS [MB] | same spikes |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for c in results["overhead"]:
            if "error" in c:
                print(failed_row([c["n"]], 12))
                continue
            cli, py = c["cli_median"], c["python_median"]
            print(f"| {c['n']} | {c['repeats']} | {fmt(cli['run_s'])} | {fmt(py['run_s'])} | {c['overhead_run']:+.1%} | "
                  f"{fmt(cli['wall_s'])} | {fmt(cli['write_s'])} | {fmt(py['wall_s'])} | {fmt(c['import_only_wall_s'])} | "
                  f"{c['overhead_wall']:+.1%} | {cli['peak_rss_mb']:.0f} / {py['peak_rss_mb']:.0f} | "
                  f"{'yes' if c['same_spikes'] else 'NO'} |")


def parse_sizes(text):
    sizes = []
    for item in text.split(","):
        n, sep, pconn = item.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(f"size {item!r}: expected N:PCONN, e.g. 1000:0.01")
        sizes.append((int(n), float(pconn)))
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1000:0.01,4000:0.02"),
                    help="N:pconn,... for the PyNN example (default 1000:0.01,4000:0.02)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per pyNN.spikeforge size and per overhead size")
    ap.add_argument("--brian2-repeats", type=int, default=1, help="runs per pyNN.brian2 size")
    ap.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated subset of spikeforge,brian2")
    ap.add_argument("--overhead", action=argparse.BooleanOptionalAction, default=True,
                    help="also measure the Python API's overhead over the CLI (default on)")
    ap.add_argument("--overhead-sizes", default="4000,20000", help="N of the built-in network, comma-separated")
    ap.add_argument("--python-dir", type=pathlib.Path, default=ROOT / "build" / "python",
                    help="build tree's python folder (spikeforge + pynn_spikeforge_finder.py)")
    ap.add_argument("--binary", type=pathlib.Path, default=ROOT / "build" / "bin" / "spikeforge",
                    help="the CLI, for the overhead section (default build/bin/spikeforge)")
    ap.add_argument("--json", type=pathlib.Path, help="write every run's raw figures here")
    ap.add_argument("--keep", type=pathlib.Path, help="run in a new folder under DIR and keep it (default: a temporary folder, removed)")
    args = ap.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    if unknown := set(backends) - set(BACKENDS):
        ap.error(f"unknown backend(s) {', '.join(sorted(unknown))}")
    python_dir = args.python_dir.resolve()
    if not (python_dir / "pynn_spikeforge_finder.py").is_file():
        ap.error(f"{python_dir} has no pynn_spikeforge_finder.py: build with the Python module first (scripts/setup)")
    if args.overhead and not args.binary.is_file():
        ap.error(f"{args.binary} is missing: build first (scripts/setup), or pass --no-overhead")
    for n, pconn in args.sizes:  # fail on a changed example before spending any time
        for backend in backends:
            example_for(backend, n, pconn)

    load_start = os.getloadavg()
    results = {"command": " ".join(shlex.quote(a) for a in [PYTHON, *sys.argv]), "machine": machine(),
               "versions": versions(python_dir), "pynn": [], "overhead": []}
    with tempfile.TemporaryDirectory(prefix="bench_pynn_") as tmp:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            work = pathlib.Path(tempfile.mkdtemp(prefix="run_", dir=args.keep.resolve()))
        else:
            work = pathlib.Path(tmp)
        for n, pconn in args.sizes:
            for backend in backends:
                repeats = args.repeats if backend == "spikeforge" else args.brian2_repeats
                results["pynn"].append(pynn_cell(backend, n, pconn, repeats, python_dir, work))
        if args.overhead:
            for n in (int(s) for s in args.overhead_sizes.split(",") if s):
                results["overhead"].append(overhead_cell(n, args.repeats, args.binary.resolve(), python_dir, work))
    results["load_start"] = " / ".join(f"{x:.2f}" for x in load_start)
    results["load_end"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    failed = [c for c in results["pynn"] + results["overhead"] if "error" in c]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
