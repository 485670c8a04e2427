#!/usr/bin/python3
"""Issue 6 benchmark: spike inference speed and Spikefinder scores.

    /usr/bin/python3 bench/calcium_inference.py [--binary build/bin/spikeforge] [--repeats 5]

1. OASIS speed (samples/s per core, the CLI's own figure: the method's time, file I/O excluded) on
   4 traces x 2 M samples of AR(1) calcium (g 0.95, 2 % spikes, noise sd 0.2) at 100 Hz:
   one pass with every parameter given; the noise sd estimated (Welch); everything estimated
   (noise, AR, drift, baseline, lambda: ~20-30 passes); medians of --repeats runs.
2. CNN speed: `calcium infer --method cnn --model elephant-model1` on Spikefinder 4.train (166 578
   samples, whole traces) vs the same network in PyTorch (Debian python3-torch, 1 thread) run as
   Elephant runs Keras: every 128-sample window as a batch item (window by window). Both outputs
   are compared (max |difference|) before timing counts.
3. Scores (Spikefinder correlation at 40 ms, calcium eval) on training sets 4, 5, 6: parameter-free
   OASIS (AR(1) and AR(2)) over a grid of its two defaults (the decay limit, {0, 1, 2, 3, 5} s, and
   the smoothing, {0, 20, 40, 80} ms), each chosen by leave-one-dataset-out cross-validation;
   Elephant's model1 (trained on these sets, so not held out).
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from conftest import SHARED_DATA  # noqa: E402
from test_calcium import spikefinder_score  # noqa: E402

SPIKEFINDER = SHARED_DATA / "calcium" / "spikefinder"


def run(binary, *args):
    proc = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, check=True)
    return proc.stdout


def samples_per_second(stdout):
    first = stdout.splitlines()[0]
    return float(first.split("(")[-1].split(" samples/s")[0])


def oasis_speed(binary, tmp, repeats):
    rng = np.random.default_rng(1)
    n = 2_000_000
    from scipy.signal import lfilter
    s = (rng.random((4, n)) < 0.02).astype(float)
    y = lfilter([1], [1, -0.95], s, axis=1) + 0.2 * rng.standard_normal((4, n))
    src = tmp / "long.npy"
    np.save(src, y)
    cases = {
        "one pass, parameters given": ["--g", "0.95", "--lambda", "0.1", "--baseline", "0", "--sigma", "0.2"],
        "noise sd estimated": ["--g", "0.95", "--lambda", "0.1", "--baseline", "0"],
        "everything estimated": [],
    }
    out = {}
    for name, flags in cases.items():
        rates = [samples_per_second(run(binary, "calcium", "infer", "--method", "oasis", src, "-o", tmp / "o.npy",
                                        "--drift-window", "0" if flags else "30", "--smooth-ms", "0", "--model-fps", "100",
                                        *flags)) for _ in range(repeats)]
        out[name] = statistics.median(rates)
        print(f"OASIS {name}: {out[name] / 1e6:.1f} M samples/s per core (median of {repeats})", flush=True)
    return out


def torch_elephant(weights_dir):
    import torch
    meta = json.loads((weights_dir / "model1_weights.json").read_text())
    flat = np.fromfile(weights_dir / "model1_weights_f32le.bin", dtype="<f4")
    tensors = [torch.from_numpy(flat[t["offset_floats"]:t["offset_floats"] + int(np.prod(t["shape"]))].reshape(t["shape"]).copy())
               for t in meta["tensors"]]
    w1, b1, w2, b2, w3, b3, wd, bd, wo, bo = tensors
    conv = lambda w: w.permute(2, 1, 0).contiguous()  # Keras [k][in][out] -> torch [out][in][k]

    def forward(x):  # x: [batch, 1, 128]
        x = torch.relu(torch.nn.functional.conv1d(x, conv(w1), b1))
        x = torch.relu(torch.nn.functional.conv1d(x, conv(w2), b2))
        x = torch.nn.functional.max_pool1d(x, 2)
        x = torch.relu(torch.nn.functional.conv1d(x, conv(w3), b3))
        x = torch.nn.functional.max_pool1d(x, 2)  # [batch, 70, 14]
        x = torch.relu(x.transpose(1, 2) @ wd + bd)  # dense 300 per step
        return x.reshape(x.shape[0], -1) @ wo + bo
    return forward


def cnn_speed(binary, tmp, repeats):
    import torch
    torch.set_num_threads(1)
    src = SPIKEFINDER / "4.train.calcium.csv"
    ours = [samples_per_second(run(binary, "calcium", "infer", "--method", "cnn", "--model", "elephant-model1", src,
                                   "-o", tmp / "cnn.csv")) for _ in range(repeats)]
    forward = torch_elephant(ROOT / "data" / "calcium" / "elephant_model1")
    traces = pd.read_csv(src)
    pred = pd.read_csv(tmp / "cnn.csv")
    times, samples, worst = [], 0, 0.0
    for _ in range(max(1, repeats // 2)):
        start, samples = time.perf_counter(), 0
        for name in traces.columns:
            y = traces[name].dropna().to_numpy()
            z = (y - y.mean()) / (y.std() + 1e-7)
            windows = torch.from_numpy(np.lib.stride_tricks.sliding_window_view(z, 128)[:-1].astype(np.float32).copy())
            with torch.no_grad():
                out = torch.cat([forward(windows[i:i + 4096, None, :]) for i in range(0, len(windows), 4096)])[:, 0].numpy()
            samples += len(y)
            mine = pred[name].to_numpy()[32:32 + len(out)]
            worst = max(worst, float(np.abs(mine - out).max()))
        times.append(time.perf_counter() - start)
    torch_rate = samples / statistics.median(times)
    print(f"CNN ours {statistics.median(ours) / 1e3:.0f} k samples/s per core; PyTorch window by window (1 thread) "
          f"{torch_rate / 1e3:.0f} k samples/s; ratio {statistics.median(ours) / torch_rate:.1f}x; max |diff| {worst:.2e}",
          flush=True)
    return statistics.median(ours), torch_rate, worst


def scores(binary, tmp):
    smooths, decays = (0, 20, 40, 80), (0, 1, 2, 3, 5)
    for order in (1, 2):
        table = {}
        for decay in decays:
            for smooth in smooths:
                row = []
                for n in (4, 5, 6):
                    out = tmp / f"o{order}_{decay}_{smooth}_{n}.csv"
                    run(binary, "calcium", "infer", "--method", "oasis", "--order", order, "--smooth-ms", smooth,
                        "--max-decay", decay, "--threads", 2, SPIKEFINDER / f"{n}.train.calcium.csv", "-o", out)
                    row.append(spikefinder_score(out, SPIKEFINDER / f"{n}.train.spikes.csv")[1])
                table[(decay, smooth)] = row
                print(f"OASIS AR({order}) max decay {decay} s, smooth {smooth} ms: " + " ".join(f"{v:.3f}" for v in row)
                      + f"  mean {np.mean(row):.3f}", flush=True)
        # leave one dataset out: choose (max decay, smoothing) on the other two, score the held-out one
        held = []
        for i in range(3):
            best = max(table, key=lambda key: np.mean([table[key][j] for j in range(3) if j != i]))
            held.append((best, table[best][i]))
        print(f"OASIS AR({order}) leave-one-dataset-out ((max decay s, smoothing ms) chosen on the other two): "
              + " ".join(f"{v:.3f} {b}" for b, v in held) + f"  mean {np.mean([v for _, v in held]):.3f}", flush=True)
    row = []
    for n in (4, 5, 6):
        out = tmp / f"cnn_{n}.csv"
        run(binary, "calcium", "infer", "--method", "cnn", "--model", "elephant-model1", SPIKEFINDER / f"{n}.train.calcium.csv",
            "-o", out)
        row.append(spikefinder_score(out, SPIKEFINDER / f"{n}.train.spikes.csv")[1])
    print("Elephant model1 (trained on these sets): " + " ".join(f"{v:.3f}" for v in row) + f"  mean {np.mean(row):.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(ROOT / "build" / "bin" / "spikeforge"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-scores", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        oasis_speed(a.binary, tmp, a.repeats)
        cnn_speed(a.binary, tmp, a.repeats)
        if not a.skip_scores:
            scores(a.binary, tmp)


if __name__ == "__main__":
    main()
