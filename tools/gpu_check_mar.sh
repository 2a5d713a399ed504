#!/usr/bin/env bash
# MAR / NOVA pipeline at full scale on one GPU (32x32 forking balls, 64 tokens per frame; a few
# minutes on an H100): the GPU-marked claim test trains the autoencoder and both pipelines once
# through the runner, which writes reproductions/nova/results/full.json; the MAR toy's full
# preset runs after it (seconds), then the benchmark when tools/bench_repro.py exists.
# Needs (beyond torch/numpy/scikit-image/pillow/scipy): pydantic (diffusers optional: the
# cosine table has a bit-exact fallback).
# Copies into $OUT (when set): the nova full record and its rollout picture.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
status=0
$PY -m pytest -q -p no:cacheprovider -m gpu tests/repro_mar/test_mar_claims.py -x || status=1
$PY -m tools.awm repro diagnose nova --scale full || status=1   # reuses the test's checkpoints
$PY -m tools.awm repro run mar --scale full || status=1
if [ -f tools/bench_repro.py ]; then $PY tools/bench_repro.py nova || status=1; fi
if [ -n "${OUT:-}" ]; then
  for f in full.json full-rollout.png; do
    [ -f reproductions/nova/results/$f ] && cp reproductions/nova/results/$f "$OUT/nova-$f"
  done
fi
exit $status
