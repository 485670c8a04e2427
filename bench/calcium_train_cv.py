#!/usr/bin/python3
"""Issue 6 benchmark: cross-validated scores and time of `calcium train` on Spikefinder 4, 5, 6.

    /usr/bin/python3 bench/calcium_train_cv.py [--binary build/bin/spikeforge] [--epochs 15] [--threads 2]

Two held-out designs, both scored with the Spikefinder correlation at 40 ms on data the model did
not see:
  * leave one dataset out (the issue's): train on two of 4/5/6, score the third;
  * leave neurons out (what the Spikefinder test sets are: other neurons of the same datasets):
    train on the even-numbered neurons of 4, 5 and 6, score the odd ones, and the other way round.
Each training prints its loss and held-out score per epoch; the table gives the final epoch's
scores, the training time, and Elephant's model1 (trained on all of these neurons: not held out)
and parameter-free OASIS on the same held-out neurons for reference.
"""
import argparse
import pathlib
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


def subset(prefix, out_prefix, parity):
    """The even (parity 0) or odd (1) neurons of a pair, as a new pair."""
    for kind in ("calcium", "spikes"):
        df = pd.read_csv(f"{prefix}.{kind}.csv")
        df = df[[c for i, c in enumerate(df.columns) if i % 2 == parity]]
        df.to_csv(f"{out_prefix}.{kind}.csv", index=False)


def train(binary, data, validate, out, epochs, threads, extra=()):
    start = time.perf_counter()
    proc = subprocess.run([binary, "calcium", "train", "--data", *data, "--validate", *validate, "-o", out,
                           "--epochs", str(epochs), "--threads", str(threads), *extra], capture_output=True, text=True,
                          check=True)
    seconds = time.perf_counter() - start
    print(proc.stdout, flush=True)
    last = proc.stdout.strip().splitlines()[-2]  # the last epoch line (then "model -> ...")
    # "epoch 15/15: loss 0.65, 4.train 0.412, 5.train 0.3 (12.0 s)" -> the validation scores
    items = last.split(": ", 1)[1].rsplit(" (", 1)[0].split(", ")[1:]
    scores = [float(item.split()[-1]) for item in items]
    return scores, seconds


def score_model(binary, model, prefixes, tmp):
    out = []
    for p in prefixes:
        pred = tmp / "pred.csv"
        subprocess.run([binary, "calcium", "infer", "--method", "cnn", "--model", model, f"{p}.calcium.csv", "-o", pred],
                       check=True, capture_output=True)
        out.append(spikefinder_score(pred, f"{p}.spikes.csv")[1])
    return out


def oasis(binary, prefixes, tmp):
    out = []
    for p in prefixes:
        pred = tmp / "pred.csv"
        subprocess.run([binary, "calcium", "infer", "--method", "oasis", f"{p}.calcium.csv", "-o", pred], check=True,
                       capture_output=True)
        out.append(spikefinder_score(pred, f"{p}.spikes.csv")[1])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(ROOT / "build" / "bin" / "spikeforge"))
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--designs", default="dataset,neurons", help="dataset (leave one out), neurons, or both")
    ap.add_argument("--extra", default="", help="further calcium train flags, e.g. '--segments-per-step 4'")
    a = ap.parse_args()
    extra = a.extra.split()
    sets = {n: str(SPIKEFINDER / f"{n}.train") for n in (4, 5, 6)}
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        for held in (4, 5, 6) if "dataset" in a.designs else ():
            data = [sets[n] for n in sets if n != held]
            scores, seconds = train(a.binary, data, [sets[held]], tmp / f"lodo{held}", a.epochs, a.threads, extra)
            rows.append(("leave dataset out", f"{held}", scores[0], seconds,
                         score_model(a.binary, "elephant-model1", [sets[held]], tmp)[0], oasis(a.binary, [sets[held]], tmp)[0]))
        for parity in (0, 1) if "neurons" in a.designs else ():
            train_p, test_p = [], []
            for n, p in sets.items():
                subset(p, tmp / f"{n}.p{parity}", parity)
                subset(p, tmp / f"{n}.q{parity}", 1 - parity)
                train_p.append(str(tmp / f"{n}.p{parity}"))
                test_p.append(str(tmp / f"{n}.q{parity}"))
            scores, seconds = train(a.binary, train_p, test_p, tmp / f"lno{parity}", a.epochs, a.threads, extra)
            model1 = score_model(a.binary, "elephant-model1", test_p, tmp)
            base = oasis(a.binary, test_p, tmp)
            for n, s, m, o in zip(sets, scores, model1, base):
                rows.append((f"leave neurons out ({'odd' if parity == 0 else 'even'} held out)", f"{n}", s, seconds, m, o))
    print("| design | held-out set | our CNN | training time [s] | model1 (not held out) | OASIS |")
    print("|---|---|---|---|---|---|")
    for design, name, ours, seconds, model1, base in rows:
        print(f"| {design} | {name} | {ours:.3f} | {seconds:.0f} | {model1:.3f} | {base:.3f} |")
    for design in ("leave dataset out", "leave neurons out"):
        sel = [r for r in rows if r[0].startswith(design)]
        if not sel:
            continue
        print(f"{design}: mean ours {np.mean([r[2] for r in sel]):.3f}, model1 {np.mean([r[4] for r in sel]):.3f}, "
              f"OASIS {np.mean([r[5] for r in sel]):.3f}")


if __name__ == "__main__":
    main()
