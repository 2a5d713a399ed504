#!/usr/bin/env bash
# Diffusion Forcing at full scale on one GPU: the GPU-marked claim tests train DF and TF once
# through the runner (as `awm repro run diffusion-forcing --scale full` does), which writes
# reproductions/diffusion-forcing/results/full.json and its pictures; then the benchmark.
# Run alone or from tools/gpu_check.sh. Needs beyond torch/numpy/scipy/scikit-image/pillow:
# pydantic (+ pydantic_core, annotated_types, typing_inspection) as carried wheels in .whl/;
# diffusers is optional (the noise table has a bit-exact, tested fallback).
# Expected: a few minutes on an H100 (2 x 2000 training steps at 64x64, 3 x 48 rollouts of
# 256 frames); never measured yet.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
if ! $PY -c "import pydantic" 2>/dev/null && [ -d .whl ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
export PYTHONPATH=$PWD:${PYTHONPATH:-}
status=0
start=$(date +%s)
$PY -m pytest -q -p no:cacheprovider -m gpu tests/repro/test_diffusion_forcing_claims.py || status=1
echo "full run + claims: $(( $(date +%s) - start )) s"
$PY tools/bench_repro.py diffusion-forcing --scale full || status=1
if [ -n "${OUT:-}" ]; then
  cp reproductions/diffusion-forcing/results/full.json "$OUT/df-full.json" 2>/dev/null
  cp reproductions/diffusion-forcing/results/full-rollout.png "$OUT/df-full-rollout.png" 2>/dev/null
fi
exit $status
