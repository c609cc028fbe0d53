"""cuML's zero-code-change backend: stock scikit-learn under cuml.accel.

Imported only by `backends.select` once a device has answered (it imports CuPy at the top)."""

from __future__ import annotations

from typing import Any

import cupy as cp

from clusterbench.backends.base import Backend
from clusterbench.backends.gpu import GpuBackend
from clusterbench.errors import BackendError


class GpuAccelBackend(Backend):
    """cuML's zero-code-change mode: the stock scikit-learn column, run under cuml.accel, which
    dispatches the estimators it supports to the GPU (host arrays in and out, as stock code)."""

    name = "gpu-accel"
    column = "cpu"
    dask_column = None  # cuml.accel intercepts scikit-learn in one process
    # cuML's twin runs where cuml.accel can: its SpectralClustering proxy does not pass
    # eigen_solver on (cuml/accel/_overrides/sklearn/cluster.py), so cuML's Lanczos runs
    accel_column = "gpu"

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        import cuml.accel

        try:  # before any estimator is built: scikit-learn is patched in place, process-wide
            cuml.accel.install()
        except Exception as exc:  # e.g. the managed-memory set-up of rmm
            raise BackendError(
                f"--backend gpu-accel: cuml.accel does not install ({exc})"
            ) from None

    def synchronize(self) -> None:
        cp.cuda.runtime.deviceSynchronize()

    def device_memory(self) -> dict[str, int]:
        return GpuBackend.device_memory(self)  # type: ignore[arg-type]

    def environment(self) -> dict[str, Any]:
        return GpuBackend.environment(self)  # type: ignore[arg-type]
