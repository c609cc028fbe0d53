#!/usr/bin/env bash
# The GPU check for a rented GPU machine: installs the gpu extra unless cuML, CuPy and dask-cuda
# import, then runs bench/gpu_check.py, which runs every step whatever another one did and exits
# non-zero at the end if any failed.
#
#   bench/gpu_check.sh DATA_DIR [--out DIR] [--subsample N] [--repeat N]
set -uo pipefail
cd "$(dirname "$0")/.."
python -c "import cuml, cupy, dask_cuda, clusterbench" 2>/dev/null \
  || python -m pip install -q -c constraints.txt -e ".[dev,gpu]"
exec python bench/gpu_check.py "$@"
