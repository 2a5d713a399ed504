#!/usr/bin/env bash
# CausVid / Self Forcing at full scale on one GPU (bouncing balls 16x16, patches of 4x4, blocks
# of 4 frames; about 5-8 minutes on an H100): trains teacher -> ODE init -> DMD (df, tf, sf),
# writes reproductions/{causvid-self-forcing,causvid}/results/full.json and the rollout figure
# (the CausVid run reuses the checkpoints of the Self Forcing run), runs the GPU-marked tests
# (which judge the full-scale claims on the same cached checkpoints), then the streaming
# benchmark. Needs torch, numpy, pillow, scipy/scikit-image, pydantic, pyyaml (not diffusers).
# Copies into $OUT (when set): the result records, the figure and the benchmark table.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
status=0
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
$PY -m tools.awm repro run self-forcing --scale full || status=1
$PY -m tools.awm repro run causvid --scale full || status=1
$PY -m pytest -q -p no:cacheprovider -m gpu tests/repro_causvid -x || status=1
$PY tools/bench_repro.py streaming --scale full | tee bench-streaming.txt || status=1
if [ -n "${OUT:-}" ]; then
  for k in causvid-self-forcing causvid; do
    for f in reproductions/$k/results/full*; do [ -f "$f" ] && cp "$f" "$OUT/$k-$(basename "$f")"; done
  done
  cp bench-streaming.txt "$OUT/" 2>/dev/null || true
fi
rm -f bench-streaming.txt
exit $status
