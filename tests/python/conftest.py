"""Shared helpers for the Python integration tests: run the CLI, read its outputs."""
import json
import os
import pathlib
import shutil
import subprocess

import h5py
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# SF_BINARY points the tests at another build (e.g. a developer's build-x/bin/spikeforge).
BINARY = pathlib.Path(os.environ.get("SF_BINARY", ROOT / "build" / "bin" / "spikeforge"))


def _shared_data():
    """The project's real test data (../shared/data beside the clone; SF_SHARED_DATA overrides)."""
    candidates = [os.environ.get("SF_SHARED_DATA"), ROOT.parent / "shared" / "data", "/work/shared/data"]
    for c in candidates:
        if c and (pathlib.Path(c) / "README.md").is_file():
            return pathlib.Path(c)
    raise RuntimeError("shared test data not found: set SF_SHARED_DATA to the shared/data folder")


SHARED_DATA = _shared_data()


def run_cli(*args, check=True, timeout=600):
    """Runs build/bin/spikeforge with args; returns the CompletedProcess (text mode)."""
    proc = subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise AssertionError(f"spikeforge {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def run_mpi(ranks, *args, check=True, timeout=600):
    """Runs build/bin/spikeforge with args under OpenMPI's mpirun with `ranks` ranks (as root and
    with more ranks than cores, as on the 2-core test machine); returns the CompletedProcess."""
    mpirun = shutil.which("mpirun")
    assert mpirun, "mpirun is not installed: run scripts/setup (Debian openmpi-bin)"
    cmd = [mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(ranks), str(BINARY), *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


READ_PARQUET = ROOT / "tests" / "js" / "read_parquet.mjs"


def duckdb(path, *flags):
    """What DuckDB reads from the Parquet file (see tests/js/read_parquet.mjs)."""
    node = shutil.which("node")
    assert node, "node is not installed: run scripts/setup"
    assert (ROOT / "tests" / "js" / "node_modules" / "@duckdb" / "node-api").is_dir(), \
        "tests/js/node_modules lacks @duckdb/node-api: run scripts/setup (npm ci --prefix tests/js)"
    proc = subprocess.run([node, str(READ_PARQUET), str(path), *flags], capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"read_parquet.mjs {path} exited {proc.returncode}:\n{proc.stderr}"
    return json.loads(proc.stdout)


def read_spikes(path):
    """SONATA spikes.h5 -> {population: (timestamps_ms, node_ids)}."""
    with h5py.File(path, "r") as f:
        return {name: (group["timestamps"][()], group["node_ids"][()]) for name, group in f["spikes"].items()}


def read_report(out_dir):
    return json.loads((pathlib.Path(out_dir) / "report.json").read_text())


def rate_and_cv(times_ms, ids, n, t0_ms, t1_ms):
    """Mean rate [Hz] in [t0, t1) and mean CV of ISI over neurons with >= 2 ISIs in the whole run."""
    in_window = (times_ms >= t0_ms) & (times_ms < t1_ms)
    rate = in_window.sum() / n / ((t1_ms - t0_ms) / 1000.0)
    cvs = []
    order = np.lexsort((times_ms, ids))
    t_sorted, id_sorted = times_ms[order], ids[order]
    bounds = np.searchsorted(id_sorted, np.arange(n + 1))
    for i in range(n):
        t = t_sorted[bounds[i]:bounds[i + 1]]
        if len(t) >= 3:
            isi = np.diff(t)
            cvs.append(isi.std() / isi.mean())
    return rate, (float(np.mean(cvs)) if cvs else float("nan"))


@pytest.fixture(scope="session")
def binary():
    assert BINARY.exists(), f"{BINARY} is missing: run scripts/setup first"
    return BINARY


# --- the Python module (issue 9) ----------------------------------------------------------------
# Tests import spikeforge and pyNN.spikeforge from a build tree's python/ folder: SF_PYTHON_DIR,
# else the folder beside SF_BINARY's bin/ (so SF_BINARY=build-x/bin/spikeforge tests build-x),
# else build/python. It goes first on sys.path, and the pyNN.spikeforge finder is pointed at it,
# so an installed .pth for another build tree cannot shadow the build under test.
PYTHON_DIR = pathlib.Path(os.environ.get("SF_PYTHON_DIR", BINARY.parent.parent / "python"))


def _use_python_build():
    import importlib.util
    import sys
    sys.path.insert(0, str(PYTHON_DIR))
    spec = importlib.util.spec_from_file_location("pynn_spikeforge_finder", PYTHON_DIR / "pynn_spikeforge_finder.py")
    if spec is None:
        return  # not built with SF_WITH_PYTHON: the module tests fail on import, saying so
    finder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(finder)
    finder.install(str(PYTHON_DIR / "pynn_spikeforge"))


_use_python_build()


def run_python(script, *args, cwd=None, timeout=900):
    """Runs a Python script with Debian's /usr/bin/python3 against the build under test (the same
    module path as these tests); returns the CompletedProcess (text mode)."""
    bootstrap = ("import sys, runpy; sys.path.insert(0, %r); import pynn_spikeforge_finder as f; "
                 "f.install(%r); sys.argv = [%r] + sys.argv[1:]; runpy.run_path(%r, run_name='__main__')"
                 % (str(PYTHON_DIR), str(PYTHON_DIR / "pynn_spikeforge"), str(script), str(script)))
    proc = subprocess.run(["/usr/bin/python3", "-c", bootstrap, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise AssertionError(f"{script} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc
