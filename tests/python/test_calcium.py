"""`spikeforge calcium eval|infer` (docs/calcium.md) against independent computations:
the Spikefinder metric written here in numpy/pandas as the challenge scored it (pandas reads the
padding as NaN; drop NaN pairs; sums of non-overlapping bins from sample 0; Pearson), on the real
Spikefinder ground truth (spikes against smoothed copies of themselves, with NaNs and shorter
columns); the Elephant CNN's golden output; and the malformed-CSV error paths (exit 3, one line).

Tolerances: the metric agrees to 1e-9 (summation order only); the CNN to 1e-5 (float32 network,
golden values printed with 6 decimals)."""
import json

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import gaussian_filter1d

from conftest import run_cli, SHARED_DATA

CALCIUM = SHARED_DATA / "calcium"
SPIKEFINDER = CALCIUM / "spikefinder"
ELEPHANT = CALCIUM / "elephant_model1"


def spikefinder_score(pred_csv, truth_csv, bin_samples=4):
    """The challenge's metric: per column, drop NaN pairs, bin sums, Pearson; NaN-skipping mean."""
    a, b = pd.read_csv(pred_csv), pd.read_csv(truth_csv)
    out = []
    for i in range(len(b.columns)):
        x, y = a.iloc[:, i].to_numpy(float), b.iloc[:, i].to_numpy(float)
        n = max(len(x), len(y))
        x = np.concatenate([x, np.full(n - len(x), np.nan)])
        y = np.concatenate([y, np.full(n - len(y), np.nan)])
        keep = ~(np.isnan(x) | np.isnan(y))
        x, y = x[keep], y[keep]
        m = len(x) // bin_samples * bin_samples
        x, y = x[:m].reshape(-1, bin_samples).sum(1), y[:m].reshape(-1, bin_samples).sum(1)
        out.append(np.corrcoef(x, y)[0, 1] if len(x) > 1 and x.std() > 0 and y.std() > 0 else np.nan)
    return np.array(out), np.nanmean(out)


def write_columns(path, columns, fmt="{:.17g}"):
    """Spikefinder CSV: header 0,1,..., shorter columns padded with empty fields."""
    rows = max(len(c) for c in columns)
    lines = [",".join(str(i) for i in range(len(columns)))]
    for r in range(rows):
        lines.append(",".join(("nan" if np.isnan(c[r]) else fmt.format(c[r])) if r < len(c) else "" for c in columns))
    path.write_text("\n".join(lines) + "\n")


def read_columns(path):
    """Each column without its trailing padding."""
    df = pd.read_csv(path)
    cols = []
    for name in df.columns:
        v = df[name].to_numpy(float)
        valid = np.flatnonzero(~np.isnan(v))
        cols.append(v[: valid[-1] + 1] if len(valid) else v[:0])
    return cols


@pytest.mark.parametrize("dataset", ["4", "5", "6"])
@pytest.mark.parametrize("bin_samples", [4, 1, 7])
def test_eval_matches_numpy_on_spikefinder_truth(tmp_path, dataset, bin_samples):
    truth = SPIKEFINDER / f"{dataset}.train.spikes.csv"
    spikes = read_columns(truth)
    rng = np.random.default_rng(int(dataset))
    pred = []
    for i, s in enumerate(spikes):
        p = gaussian_filter1d(s, sigma=2.0 + i) + 0.05 * rng.standard_normal(len(s))
        p[rng.integers(0, len(p), 25)] = np.nan  # NaN samples inside the column
        pred.append(p[: len(p) - 13 * i])         # and shorter columns (NaN past their end)
    pred_csv = tmp_path / "pred.csv"
    write_columns(pred_csv, pred)
    out_json = tmp_path / "score.json"
    proc = run_cli("calcium", "eval", pred_csv, truth, "--bin", bin_samples, "--json", out_json)
    expected, expected_mean = spikefinder_score(pred_csv, truth, bin_samples)
    got = json.loads(out_json.read_text())
    assert got["bin_samples"] == bin_samples and got["bin_ms"] == pytest.approx(10.0 * bin_samples)
    np.testing.assert_allclose([n["correlation"] for n in got["neurons"]], expected, rtol=1e-9, atol=1e-12)
    assert got["mean"] == pytest.approx(expected_mean, rel=1e-9)
    assert f"bins of {bin_samples} samples = {10 * bin_samples:g} ms at 100 Hz" in proc.stdout
    assert f"{expected_mean:.6f}" in proc.stdout.splitlines()[-1]


def test_eval_default_bin_is_40_ms_and_perfect_prediction_scores_1(tmp_path):
    truth = SPIKEFINDER / "5.train.spikes.csv"
    proc = run_cli("calcium", "eval", truth, truth, "--json", "-")
    got = json.loads(proc.stdout)
    assert got["bin_samples"] == 4 and got["bin_ms"] == 40.0
    np.testing.assert_allclose([n["correlation"] for n in got["neurons"]], 1.0, rtol=1e-12)


def test_eval_mismatched_neuron_counts(tmp_path):
    proc = run_cli("calcium", "eval", SPIKEFINDER / "4.train.spikes.csv", SPIKEFINDER / "5.train.spikes.csv",
                   check=False)
    assert proc.returncode == 3
    assert "4.train.spikes.csv: 6 neurons (columns), but" in proc.stderr
    assert "5.train.spikes.csv has 9; expected the same neurons" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("text, message", [
    ("0,1\n1,2\n3,4,5\n", "line 3: 3 fields; expected 2 fields"),
    ("0,1\n1,2\n3,abc\n", "line 3, column '1': 'abc' is not a number; expected a finite number or an empty field"),
    ("0,1\n1,\n3,4\n", "line 3, column '1': value '4' after the column's padding began"),
    ("1.0,2.0\n3,4\n", "line 1 (header): '1.0' is a value, the header line is missing"),
    ("", "line 1: the file is empty"),
])
def test_malformed_csv_is_exit_3_naming_file_and_line(tmp_path, text, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    for args in (["eval", bad, SPIKEFINDER / "4.train.spikes.csv"], ["infer", bad, "-o", tmp_path / "out.csv"]):
        proc = run_cli("calcium", *args, check=False)
        assert proc.returncode == 3, proc.stderr
        assert f"{bad}: {message}" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()


def test_cnn_reproduces_elephant_golden_output(tmp_path):
    column0 = read_columns(SPIKEFINDER / "4.test.calcium.csv")[0]
    trace = tmp_path / "cell0.csv"
    write_columns(trace, [column0])
    out = tmp_path / "pred.csv"
    proc = run_cli("calcium", "infer", "--method", "cnn", "--model", "elephant-model1", trace, "-o", out)
    golden = pd.read_csv(ELEPHANT / "golden_4.test.cell0_pred.csv")["pred"].to_numpy(float)
    pred = read_columns(out)[0]
    got = np.zeros(len(column0))
    got[: len(pred)] = pred
    assert len(golden) == len(column0)
    np.testing.assert_allclose(got, golden, rtol=0, atol=1e-5)
    assert np.all(got[:32] == 0) and np.all(got[-96:] == 0)
    print(proc.stdout)  # samples/s


def test_cnn_keeps_columns_and_padding(tmp_path):
    src = SPIKEFINDER / "4.test.calcium.csv"
    out = tmp_path / "pred.csv"
    run_cli("calcium", "infer", src, "-o", out)
    lines_in, lines_out = src.read_text().splitlines(), out.read_text().splitlines()
    assert lines_out[0] == lines_in[0] and len(lines_out) == len(lines_in)
    # the same fields are empty (padding) in the input and the output
    for a, b in zip(lines_in[1::997], lines_out[1::997]):
        assert [f == "" for f in a.split(",")] == [f == "" for f in b.split(",")]
    cols_in = read_columns(src)
    cols_out = pd.read_csv(out)
    for i, c in enumerate(cols_in):
        v = cols_out.iloc[:, i].to_numpy(float)
        assert np.all(~np.isnan(v[: len(c)])) and np.all(np.isnan(v[len(c):]))


def test_infer_unknown_model_and_method_are_usage_errors(tmp_path):
    src = SPIKEFINDER / "4.test.calcium.csv"
    proc = run_cli("calcium", "infer", src, "-o", tmp_path / "o.csv", "--model", "nope", check=False)
    assert proc.returncode == 2 and "--model nope" in proc.stderr
    proc = run_cli("calcium", "infer", src, "-o", tmp_path / "o.csv", "--method", "magic", check=False)
    assert proc.returncode == 2 and "--method magic" in proc.stderr
    assert not (tmp_path / "o.csv").exists()
