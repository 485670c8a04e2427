#!/usr/bin/env bash
# From a simulation to statistics, bursts and figures in five commands.
# Usage: examples/analyse_a_run.sh [OUT_DIR]   (after scripts/setup; SPIKEFORGE overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
sf=${SPIKEFORGE:-build/bin/spikeforge}
out=${1:-out/example}

"$sf" simulate --n 4000 --t-stop 2000 --seed 7 --out "$out/run" --quiet      # Vogels-Abbott COBA, 2 s
"$sf" info "$out/run/spikes.h5"                                              # what is in the file
"$sf" stats "$out/run/spikes.h5" --t-start 200 -o "$out/stats.json"          # skip the 200 ms kick-off
"$sf" convert "$out/run/spikes.h5" "$out/spikes.csv"                         # time_ms,unit for other tools
"$sf" bursts "$out/run/spikes.h5" --method binned -o "$out/bursts.csv"
for kind in raster rate stats; do
  "$sf" plot "$kind" "$out/run/spikes.h5" -o "$out/$kind.png"
done
echo "results in $out/"
