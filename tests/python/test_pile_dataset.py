"""`spikeforge pile merge|raster|motifs|tokenize|encode|reorder` on shards built by `pile build`
(issue 5). Every output is read back with DuckDB (an independent Parquet reader) and compared
with numpy/scipy re-implementations of the original scripts (test_pile_algorithms.py)."""
import hashlib
import json
import math

import numpy as np
import pytest

from conftest import duckdb, run_cli
from test_pile_algorithms import ref_motifs, ref_order, ref_patches, ref_tokenize
from test_pile_build import make_sessions


def rows_of(path):
    """DuckDB's rows of one shard as dicts with spike_counts as a uint8 matrix."""
    got = duckdb(path)
    v = got["values"]
    rows = []
    for i in range(got["rows"]):
        row = {k: v[k][i] for k in v}
        row["spike_counts"] = np.array(row["spike_counts"], dtype=np.uint8).reshape(len(row["spike_counts"]), -1)
        rows.append(row)
    return rows


def all_rows(folder):
    return [r for p in sorted(folder.rglob("*.parquet")) for r in rows_of(p)]


def key(row):
    return (row.get("source_dataset"), row["subject_id"], row["session_id"], row["segment_id"])


@pytest.fixture(scope="module")
def components(tmp_path_factory):
    """Two component datasets: 'dandi-a' (2 x 3 sessions) and 'dandi-b' (1 x 4), long sessions split."""
    root = tmp_path_factory.mktemp("pile")
    for name, subjects, per, seed in (("dandi-a", 2, 3, 1), ("dandi-b", 1, 4, 2)):
        make_sessions(root / "nwb" / name, n_subjects=subjects, per_subject=per, seed=seed, units=6, duration_s=40.0)
        run_cli("pile", "build", root / "nwb" / name, "-o", root / name, "--max-tokens", 3000, "-q")
    return root


@pytest.fixture(scope="module")
def merged(components):
    out = components / "merged"
    run_cli("pile", "merge", components / "dandi-a", components / "dandi-b", "-o", out, "--seed", 7,
            "--test-fraction", 0.1, "--max-shard-mb", 0.01, "-q")
    return out


def test_merge_keeps_every_row_adds_the_source_and_splits_by_the_seed(components, merged):
    want = {}
    for name in ("dandi-a", "dandi-b"):
        for r in all_rows(components / name):
            want[(name, r["subject_id"], r["session_id"], r["segment_id"])] = r["spike_counts"]
    train = [r for p in sorted((merged / "data").glob("train-*.parquet")) for r in rows_of(p)]
    test = [r for p in sorted((merged / "data").glob("test-*.parquet")) for r in rows_of(p)]
    n = len(want)
    assert len(test) == math.ceil(0.1 * n) and len(train) == n - len(test)
    got = {key(r): r["spike_counts"] for r in train + test}
    assert got.keys() == want.keys()
    for k in want:
        assert np.array_equal(got[k], want[k]), k
    # Shuffled: not the input order; shards hold at most 10 kB of counts unless a row is larger.
    assert [key(r) for r in train + test] != sorted(want.keys())
    for p in (merged / "data").glob("*.parquet"):
        sizes = [r["spike_counts"].size for r in rows_of(p)]
        assert sum(sizes) <= 10_000 or len(sizes) == 1
    names = sorted(p.name for p in (merged / "data").glob("train-*.parquet"))
    assert names == [f"train-{i:05d}-of-{len(names):05d}.parquet" for i in range(len(names))]
    summary = json.loads((merged / "merge.json").read_text())
    assert summary["rows"] == n and summary["splits"]["test"]["rows"] == len(test)
    assert {s["name"]: s["rows"] for s in summary["sources"]} == {
        name: sum(1 for k in want if k[0] == name) for name in ("dandi-a", "dandi-b")}


def digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.parquet"))}


def test_merge_is_reproducible_and_the_seed_changes_the_order(components, merged, tmp_path):
    args = [components / "dandi-a", components / "dandi-b", "--test-fraction", 0.1, "--max-shard-mb", 0.01, "-q"]
    run_cli("pile", "merge", *args, "-o", tmp_path / "again", "--seed", 7)
    assert digests(tmp_path / "again") == digests(merged)
    run_cli("pile", "merge", *args, "-o", tmp_path / "other", "--seed", 8)
    order = lambda d: [key(r) for r in all_rows(d / "data")]
    assert sorted(order(tmp_path / "other")) == sorted(order(merged)) and order(tmp_path / "other") != order(merged)
    assert not list((tmp_path / "other").glob(".merge*"))


def test_merge_rejects_bad_requests(components, tmp_path):
    proc = run_cli("pile", "merge", components / "dandi-a", components / "dandi-a", "-o", tmp_path / "m", check=False)
    assert proc.returncode != 0 and "dandi-a" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli("pile", "merge", components / "dandi-a", "-o", components / "dandi-a" / "inside", check=False)
    assert proc.returncode != 0 and "inside" in proc.stderr
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x.parquet").write_bytes(b"PAR1 not parquet")
    proc = run_cli("pile", "merge", tmp_path / "junk", "-o", tmp_path / "m2", check=False)
    assert proc.returncode == 3 and "x.parquet" in proc.stderr
    assert not (tmp_path / "m2" / "data").exists()


def test_motif_table_matches_numpy_over_the_whole_split(merged, tmp_path):
    train = [r["spike_counts"] for p in sorted((merged / "data").glob("train-*.parquet")) for r in rows_of(p)]
    for patch, (p0, p1) in (("1x10", (1, 10)), ("2x3", (2, 3))):
        out = tmp_path / f"m{patch}.parquet"
        run_cli("pile", "motifs", merged, "--split", "train", "--patch", patch, "-o", out, "--threads", 2,
                "--plot", tmp_path / "top.png", "-q")
        got = duckdb(out)
        patches, counts = ref_motifs(train, p0, p1)
        assert got["values"]["patch"] == patches
        assert [int(c) for c in got["values"]["frequency"]] == counts
        assert np.allclose(got["values"]["probability"], np.array(counts) / sum(counts), rtol=0, atol=1e-15)
        assert got["key_value"]["patch_units"] == str(p0) and got["key_value"]["patch_bins"] == str(p1)
    assert (tmp_path / "top.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run_cli("pile", "motifs", merged, "--split", "train", "--patch", "2x3", "-o", tmp_path / "t1.parquet",
            "--threads", 1, "-q")
    assert (tmp_path / "t1.parquet").read_bytes() == (tmp_path / "m2x3.parquet").read_bytes()


@pytest.fixture(scope="module")
def tokenizer(merged, tmp_path_factory):
    d = tmp_path_factory.mktemp("tok")
    run_cli("pile", "motifs", merged, "--patch", "1x5", "-o", d / "motifs.parquet", "-q")
    run_cli("pile", "tokenize", "--motifs", d / "motifs.parquet", "--vocab", 12, "-o", d / "tok", "-q")
    return d


def test_tokenizer_ids_match_numpy(tokenizer):
    table = duckdb(tokenizer / "motifs.parquet")["values"]
    index_map = duckdb(tokenizer / "tok" / "index_map.parquet")["values"]
    assert index_map["patch"] == table["patch"]
    assert index_map["token_id"] == ref_tokenize(table["patch"], 10)
    meta = json.loads((tokenizer / "tok" / "tokenizer.json").read_text())
    counts = [int(c) for c in table["frequency"]]
    assert meta["references"] == 11 and meta["separator_id"] == 11 and meta["patch"] == [1, 5]
    assert meta["lossless_fraction"] == pytest.approx(sum(counts[:11]) / sum(counts), abs=1e-12)


def test_encoded_rows_are_the_token_ids_of_their_patches(merged, tokenizer, tmp_path):
    index_map = duckdb(tokenizer / "tok" / "index_map.parquet")["values"]
    ids = {bytes(p): i for p, i in zip(index_map["patch"], index_map["token_id"])}
    run_cli("pile", "encode", merged, "--tokenizer", tokenizer / "tok", "-o", tmp_path / "enc", "--threads", 2, "-q")
    src = {key(r): r["spike_counts"] for r in all_rows(merged / "data")}
    enc = [(p, r) for p in sorted((tmp_path / "enc").rglob("*.parquet")) for r in [None]]
    assert sorted(p.relative_to(tmp_path / "enc") for p, _ in enc) == sorted(
        p.relative_to(merged) for p in (merged / "data").glob("*.parquet"))
    total = lossless = 0
    for p, _ in enc:
        got = duckdb(p)["values"]
        for i in range(len(got["tokens"])):
            counts = src[(got["source_dataset"][i], got["subject_id"][i], got["session_id"][i], got["segment_id"][i])]
            patches = ref_patches(counts, 1, 5)
            assert got["tokens"][i] == [ids[q.tobytes()] for q in patches]
            assert got["patch_rows"][i] == counts.shape[0] and got["patch_cols"][i] == -(-counts.shape[1] // 5)
            references = {q for q, t in ids.items() if t < 11 and list(ids).index(q) == t}
            lossless += sum(q.tobytes() in references for q in patches)
            assert int(got["lossless_patches"][i]) == sum(q.tobytes() in references for q in patches)
            total += len(patches)
    assert total > 0 and 0 < lossless <= total


def test_reordered_rows_follow_scipys_leaf_order(components, tmp_path):
    run_cli("pile", "reorder", components / "dandi-b", "-o", tmp_path / "re", "--threads", 2, "-q")
    before = {key(r): r["spike_counts"] for r in all_rows(components / "dandi-b")}
    after = all_rows(tmp_path / "re")
    assert len(after) == len(before)
    for r in after:
        x = before[key(r)]
        assert np.array_equal(r["spike_counts"], x[ref_order(x.astype(np.float64))])


def test_raster_draws_seeded_random_rows(merged, tmp_path):
    a, b, c = (tmp_path / f"{n}.png" for n in "abc")
    run_cli("pile", "raster", merged, "--n", 4, "--seed", 1, "-o", a)
    run_cli("pile", "raster", merged, "--n", 4, "--seed", 1, "-o", b)
    run_cli("pile", "raster", merged, "--n", 4, "--seed", 2, "-o", c)
    assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and a.read_bytes() == b.read_bytes() != c.read_bytes()
    proc = run_cli("pile", "raster", tmp_path / "nothing", "-o", tmp_path / "d.png", check=False)
    assert proc.returncode != 0 and "nothing" in proc.stderr and not (tmp_path / "d.png").exists()


def test_a_file_that_is_not_a_shard_is_one_clear_error(tokenizer, tmp_path):
    proc = run_cli("pile", "reorder", tokenizer / "motifs.parquet", "-o", tmp_path / "r", check=False)
    assert proc.returncode == 3 and "spike_counts" in proc.stderr and "motifs.parquet" in proc.stderr
    proc = run_cli("pile", "tokenize", "--motifs", tokenizer / "tok" / "index_map.parquet", "-o", tmp_path / "t",
                   check=False)
    assert proc.returncode == 3 and "probability" in proc.stderr
