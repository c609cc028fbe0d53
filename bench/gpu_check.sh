#!/usr/bin/env bash
# The GPU check for a GPU machine: runs bench/gpu_check.py with the stack that is there, and never
# installs anything (a lent device reaches no registry). Where bench/device/install has set up the
# carried stack, its env.sh is sourced first ($CLUSTERBENCH_STACK, default /tmp/clusterbench-stack).
# A missing cuML, CuPy, dask-cuda or clusterbench is said in one line, exit 2.
#
#   bench/gpu_check.sh DATA_DIR [--out DIR] [--subsample N] [--repeat N] [--budget-s S]
#                      [--bring-back DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
stack="${CLUSTERBENCH_STACK:-/tmp/clusterbench-stack}"
# shellcheck disable=SC1091
[ -f "$stack/env.sh" ] && . "$stack/env.sh"
python="$(command -v python3 || command -v python)"
if ! why="$("$python" -c "import cuml, cupy, dask_cuda, clusterbench" 2>&1)"; then
    echo "gpu_check: the GPU stack does not import with $python: $(tail -n 1 <<<"$why")" \
        "(install the gpu extra, or run bench/device/install on a lent device)" >&2
    exit 2
fi
exec "$python" bench/gpu_check.py "$@"
