"""`spikeforge pile build`: NWB sessions -> Parquet shards, checked with DuckDB (an independent
reader) against numpy's binning; manifest, failures, resume after a kill, worker count."""
import hashlib
import json
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import BINARY, duckdb, run_cli, run_mpi
from test_pile_bin import reference_counts, write_nwb


def make_sessions(root, n_subjects=2, per_subject=2, seed=0, units=5, duration_s=30.0):
    rng = np.random.default_rng(seed)
    truth = {}
    for s in range(n_subjects):
        for k in range(per_subject):
            path = root / f"sub-{s:02d}" / f"ses-{k:02d}.nwb"
            path.parent.mkdir(parents=True, exist_ok=True)
            times = [np.sort(rng.uniform(0, duration_s * rng.uniform(0.5, 1.0), rng.integers(0, 400))) for _ in range(units)]
            times[0] = np.sort(np.append(times[0], duration_s))  # every session reaches its duration
            write_nwb(path, times)
            truth[(f"sub-{s:02d}", f"ses-{k:02d}")] = times
    return truth


def shard_digests(out):
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*.parquet"))}


def test_shards_hold_numpys_counts_split_into_segments(tmp_path):
    truth = make_sessions(tmp_path / "in")
    out = tmp_path / "out"
    run_cli("pile", "build", tmp_path / "in", "-o", out, "--max-tokens", 2000, "-q")
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["status"] for s in manifest["sessions"]] == ["done"] * 4
    for (subject, session), times in truth.items():
        got = duckdb(out / subject / f"{session}.parquet")
        want, _ = reference_counts(times, 0.02)
        n = -(-want.size // 2000)
        parts = np.array_split(want, n, axis=1)
        assert got["rows"] == n
        assert got["values"]["subject_id"] == [subject] * n and got["values"]["session_id"] == [session] * n
        assert got["values"]["segment_id"] == [f"segment_{i}" for i in range(n)]
        for row, part in zip(got["values"]["spike_counts"], parts):
            assert np.array_equal(np.array(row, dtype=np.int64), part.astype(np.int64))


def test_a_malformed_session_is_reported_and_the_others_are_built(tmp_path):
    make_sessions(tmp_path / "in", n_subjects=1, per_subject=2)
    bad = tmp_path / "in" / "sub-00" / "ses-bad.nwb"
    write_nwb(bad, [np.array([0.5, 0.1])])  # unsorted within a unit
    proc = run_cli("pile", "build", tmp_path / "in", "-o", tmp_path / "out", check=False)
    assert proc.returncode == 3 and "ascending" in proc.stderr
    manifest = {s["session_id"]: s for s in json.loads((tmp_path / "out" / "manifest.json").read_text())["sessions"]}
    assert manifest["ses-bad"]["status"] == "failed" and "ascending" in manifest["ses-bad"]["error"]
    assert manifest["ses-00"]["status"] == manifest["ses-01"]["status"] == "done"
    assert not (tmp_path / "out" / "sub-00" / "ses-bad.parquet").exists()


def test_rerun_skips_built_sessions_and_two_workers_give_the_same_shards(tmp_path):
    make_sessions(tmp_path / "in", n_subjects=3, per_subject=3, seed=5)
    run_cli("pile", "build", tmp_path / "in", "-o", tmp_path / "one", "-q")
    first = shard_digests(tmp_path / "one")
    proc = run_cli("pile", "build", tmp_path / "in", "-o", tmp_path / "one")
    assert "0 built, 9 already built" in proc.stdout
    assert shard_digests(tmp_path / "one") == first
    run_cli("pile", "build", tmp_path / "in", "-o", tmp_path / "two", "--workers", 2, "-q")
    assert shard_digests(tmp_path / "two") == first


def test_kill_and_resume_gives_byte_identical_shards(tmp_path):
    make_sessions(tmp_path / "in", n_subjects=4, per_subject=10, seed=9, units=20, duration_s=600.0)
    run_cli("pile", "build", tmp_path / "in", "-o", tmp_path / "clean", "-q")
    clean = shard_digests(tmp_path / "clean")
    out = tmp_path / "killed"
    proc = subprocess.Popen([str(BINARY), "pile", "build", str(tmp_path / "in"), "-o", str(out), "-q"])
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out.rglob("*.parquet"))) < 3:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    built_before = len(list(out.rglob("*.parquet")))
    assert 0 < built_before < 40, "the kill must land mid-run for the test to mean anything"
    result = run_cli("pile", "build", tmp_path / "in", "-o", out)
    assert f"{40 - built_before} built" in result.stdout or "already built" in result.stdout
    assert shard_digests(out) == clean
    assert not list(out.rglob("*.tmp"))


def manifest_sessions(out):
    return json.loads((out / "manifest.json").read_text())["sessions"]


@pytest.mark.parametrize("ranks", [2, 3])
def test_mpi_ranks_build_the_same_shards_and_manifest(tmp_path, ranks):
    make_sessions(tmp_path / "in", n_subjects=2, per_subject=4, seed=11)
    bad = tmp_path / "in" / "sub-00" / "ses-bad.nwb"
    write_nwb(bad, [np.array([0.5, 0.1])])  # one failing session: recorded, the job goes on
    run_cli("pile", "build", tmp_path / "in", "-o", tmp_path / "local", "-q", check=False)
    proc = run_mpi(ranks, "pile", "build", tmp_path / "in", "-o", tmp_path / "mpi", check=False)
    assert proc.returncode == 3 and f"{ranks} MPI ranks" in proc.stdout and proc.stderr.count("ascending") == 1
    assert shard_digests(tmp_path / "mpi") == shard_digests(tmp_path / "local") and len(shard_digests(tmp_path / "mpi")) == 8
    assert manifest_sessions(tmp_path / "mpi") == manifest_sessions(tmp_path / "local")
    assert not list((tmp_path / "mpi").glob(".manifest*"))


def test_a_failing_rank_ends_the_mpi_job_with_one_message(tmp_path):
    make_sessions(tmp_path / "in", n_subjects=1, per_subject=2)
    (tmp_path / "file").write_text("not a folder")
    proc = run_mpi(2, "pile", "build", tmp_path / "in", "-o", tmp_path / "file" / "out", check=False, timeout=120)
    assert proc.returncode == 2
    assert [l for l in proc.stderr.splitlines() if l.startswith("spikeforge: error:")] == [
        f"spikeforge: error: rank 0: {tmp_path / 'file' / 'out'}: output directory is not writable (Not a directory)"]
    proc = run_mpi(2, "pile", "build", tmp_path / "in", "-o", tmp_path / "o", "--workers", 2, check=False, timeout=120)
    assert proc.returncode == 2 and "ranks are the workers" in proc.stderr
