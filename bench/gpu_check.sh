#!/usr/bin/env bash
# The GPU check, sized for a short GPU rental (well under 10 minutes on one GPU):
# the GPU tests, then full MNIST (canonical) for every method on both backends, 3 runs each
# (one cold, two warm), every result record written into one folder.
#
#   bench/gpu_check.sh DATA_DIR [OUT_DIR]
#
# DATA_DIR holds the four MNIST IDX files; OUT_DIR defaults to results/gpu-check-<UTC time>.
# Installs the gpu extra first unless cuML, CuPy and dask-cuda already import.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: bench/gpu_check.sh DATA_DIR [OUT_DIR]}
out=${2:-results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"

python -c "import cuml, cupy, dask_cuda, clusterbench" 2>/dev/null \
  || python -m pip install -q -e ".[dev,gpu]"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || echo "nvidia-smi not available" > "$out/nvidia-smi.txt"

echo "== GPU tests"
set +e
CLUSTERBENCH_DATA_DIR=$data timeout 240 python -m pytest -m gpu -v -rs -p no:cacheprovider tests \
  > "$out/gpu-tests.log" 2>&1
tests_rc=$?
set -e
tail -n 5 "$out/gpu-tests.log"

echo "== full MNIST, each method on both backends"
for method in kmeans spectral dbscan umap-kmeans; do
  repeat=3; [ "$method" = umap-kmeans ] && repeat=1  # seeded UMAP on the CPU is serial: minutes
  for backend in gpu cpu; do
    timeout 240 clusterbench run --data-dir "$data" --method "$method" --backend "$backend" \
      --repeat "$repeat" --json "$out/$method-$backend.json" > "$out/$method-$backend.txt" 2>&1 \
      || echo "   $method on $backend failed: $(tail -n 1 "$out/$method-$backend.txt")"
    grep -E "test accuracy|ARI  |total" "$out/$method-$backend.txt" | sed "s/^/   $method $backend /" || true
  done
  [ -f "$out/$method-cpu.json" ] && [ -f "$out/$method-gpu.json" ] \
    && clusterbench compare "$out/$method-cpu.json" "$out/$method-gpu.json" | tail -n 1
done

echo "== the study's DBSCAN grid, sweep engine, graph on the GPU"
timeout 120 clusterbench grid --data-dir "$data" --backend gpu --jsonl "$out/grid-gpu.jsonl" \
  > "$out/grid-gpu.txt" 2>&1 || echo "   grid on gpu failed: $(tail -n 1 "$out/grid-gpu.txt")"
grep -E "^grid:|^best" "$out/grid-gpu.txt" || true
tar czf "$out.tgz" -C "$(dirname "$out")" "$(basename "$out")"  # one file to carry back
echo "records in $out (and $out.tgz)"
exit $tests_rc
