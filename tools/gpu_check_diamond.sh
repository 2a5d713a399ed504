#!/usr/bin/env bash
# DIAMOND / GameNGen at full scale on one GPU (Atari Breakout 64x64; about 5 minutes on an H100):
# the GPU-marked claim tests train the EDM, DDPM and context-noise models once and write the
# result records reproductions/{diamond,gamengen}/results/full.json; then the benchmark.
# Needs (beyond torch/numpy/scikit-image/pillow): diffusers, pydantic, ale-py.
# Copies into $OUT (when set): the two result records.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
status=0
$PY -m pytest -q -p no:cacheprovider -m gpu tests/repro_diamond -x || status=1
if [ -f tools/bench_repro.py ]; then $PY tools/bench_repro.py diamond || status=1; fi
if [ -n "${OUT:-}" ]; then
  for k in diamond gamengen; do
    [ -f reproductions/$k/results/full.json ] && cp reproductions/$k/results/full.json "$OUT/$k-full.json"
  done
fi
exit $status
