#!/usr/bin/env bash
# Regenerate the CPU records under results/ on this machine, then the report from them.
# Run it from a clean checkout (the records name the commit and whether it was dirty) on a
# quiet machine: it takes about 45 minutes on 2 cores.
#
#   bench/regenerate_results.sh DATA_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: bench/regenerate_results.sh DATA_DIR}
mkdir -p results/tests

clusterbench bench --suite quick --backend cpu --repeat 4 --data-dir "$data" --out results
clusterbench bench --suite full --backend cpu --repeat 4 --data-dir "$data" --out results
clusterbench run --data-dir "$data" --method umap-hdbscan --backend cpu \
  --json results/run-umap-hdbscan-canonical-cpu.json > /dev/null
python bench/grid_engines.py --data-dir "$data" --out results
python bench/umap_defaults.py --data-dir "$data" --out results
python bench/threshold_margins.py --data-dir "$data" --out results/tests
clusterbench report results/*.json results/tests/*.json --out results
