#!/usr/bin/env bash
# Regenerate the CPU records of results/ on this machine, and the report from them.
# Run it from a clean checkout on a quiet machine, writing outside the checkout (the records
# name the commit and whether the checkout was dirty; new files in it would make it so), then
# copy OUT_DIR's files into results/. About 70 minutes on 2 cores, and about as long again for
# the scale suite (its digits, generated once, go into the cache), then a quarter hour for the
# workers suite and 45 minutes for the 8.1-million-digit run on Dask workers (its digits, 6.3 GB,
# generated once into the cache: 25 minutes more the first time).
#
#   bench/regenerate_results.sh DATA_DIR OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: bench/regenerate_results.sh DATA_DIR OUT_DIR}
out=${2:?usage: bench/regenerate_results.sh DATA_DIR OUT_DIR}
mkdir -p "$out/tests"

clusterbench bench --suite quick --backends cpu,cpu-intelex --repeat 4 --data-dir "$data" --out "$out"
clusterbench bench --suite full --backends cpu,cpu-intelex --repeat 4 --data-dir "$data" --out "$out"
clusterbench run --data-dir "$data" --method umap-hdbscan --backend cpu \
  --json "$out/run-umap-hdbscan-canonical-cpu.json" > /dev/null
python bench/grid_engines.py --data-dir "$data" --out "$out"
python bench/umap_defaults.py --data-dir "$data" --out "$out"
python bench/threshold_margins.py --data-dir "$data" --out "$out/tests"
python bench/infimnist_study.py --data-dir "$data" --out "$out"
python bench/tolerance_spread.py --data-dir "$data" --out "$out"  # its figures: tolerances.py
clusterbench bench --suite scale --backend cpu --data-dir "$data" --out "$out"
clusterbench bench --suite workers --scheduler local --backend cpu --data-dir "$data" --out "$out"
clusterbench run --dataset infimnist --n-train 8100000 --method kmeans --scheduler local \
  --workers 2 --knn-space pca --backend cpu --data-dir "$data" \
  --json "$out/run-kmeans-infimnist-8100000-cpu-dask-2-workers.json" > /dev/null
clusterbench report "$out"/*.json "$out"/tests/*.json --out "$out"
