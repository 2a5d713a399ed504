#!/usr/bin/env bash
# The whole GPU check of the project, prepared to run once on a lent GPU machine:
# every reproduction's tools/gpu_check_<name>.sh runs at the same time on the one GPU (the
# models are small; alone none of them fills an H100), each under its own time limit, so
# a slow or failing one cannot take the others' results with it.
# Results come back as one archive (the device tool returns at most 8 files):
#   $OUT/results.tar.gz   reproductions/*/results/full* written by the runs
#   $OUT/gpu-<name>.log   each script's output (tail)
#   $OUT/device.txt       what nvidia-smi and torch said about the device
# Usage on the device machine: OUT=/some/dir PER_SCRIPT_S=480 bash tools/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
PER_SCRIPT_S=${PER_SCRIPT_S:-480}
export PYTHONUNBUFFERED=1
# Packages the device image lacks travel as wheels in .whl/ (see reproductions/README.md).
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import torch, sys; print('torch', torch.__version__, 'python', sys.version.split()[0], 'cuda', torch.cuda.is_available())"
} > "$OUT/device.txt" 2>&1
pids=()
for script in tools/gpu_check_*.sh; do
  name=$(basename "$script" .sh); name=${name#gpu_check_}
  ( OUT= timeout "$PER_SCRIPT_S" bash "$script" > "/tmp/gpu-$name.log" 2>&1; echo "exit $?" >> "/tmp/gpu-$name.log" ) &
  pids+=($!)
done
wait "${pids[@]}"
for log in /tmp/gpu-*.log; do tail -c 60000 "$log" > "$OUT/$(basename "$log")"; done
tar czf "$OUT/results.tar.gz" reproductions/*/results/full* 2>/dev/null
grep -H '^exit' /tmp/gpu-*.log
