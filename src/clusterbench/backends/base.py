"""The backend every other one extends: host (NumPy) arrays, nothing to synchronise, and each
step built from its column of the registry. As it stands it is the CPU backend (stock
scikit-learn); the pipeline never asks which backend it runs on."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from clusterbench.errors import BackendError
from clusterbench.registry import DaskOptions, Impl, Pair, Params


class Backend:
    """The CPU backend (NumPy + scikit-learn); the GPU backend overrides the device hooks.

    `column` names the registry column it builds from; `implementations` keeps, per step, the
    implementation it built (what a record says ran), and `solvers` the paths those took (the
    eigensolver, the UMAP mode: registry `Impl.solvers`)."""

    name = "cpu"
    column = "cpu"
    dask_column: str | None = "dask"  # the registry column on Dask workers (None: refused)
    # the column whose twin may take a call instead (cuml.accel runs cuML's where it can)
    accel_column: str | None = None
    xp: ModuleType = np

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        self.implementations: dict[str, str] = {}
        self.solvers: dict[str, str] = {}

    def to_device(self, array: np.ndarray) -> Any:
        return array

    def to_host(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def csr_matrix(self, data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> Any:
        """A CSR sparse matrix of this backend's arrays, where they live (SciPy's here)."""
        from scipy import sparse

        return sparse.csr_matrix((data, indices, indptr), shape=shape)

    def synchronize(self) -> None:
        """Wait for queued device work, so that a clock read after it is honest."""

    def environment(self) -> dict[str, Any]:
        return {}

    def device_memory(self) -> dict[str, int]:
        """The device's memory readings for the peak-memory sampler (none on the CPU)."""
        return {}

    def free_memory(self) -> int:
        """Bytes free where this backend's arrays live (the host's available memory here)."""
        import psutil

        return int(psutil.virtual_memory().available)

    def _impl(self, pair: Pair) -> Any:
        impl = pair.on(self.column)
        self.implementations[pair.name] = impl.path
        return impl

    def _solvers(self, pair: Pair, impl: Impl, params: Params | DaskOptions) -> None:
        solvers = impl.solvers(params)
        twin = getattr(pair, self.accel_column) if self.accel_column else None
        for what, which in (twin.solvers(params) if twin else {}).items():
            if solvers.get(what, which) != which:  # the twin's, unless it falls back
                solvers[what] = f"{which} (cuml.accel; {solvers[what]} if it falls back)"
        self.solvers.update(solvers)

    def build(self, pair: Pair, params: Params | DaskOptions) -> Any:
        """An estimator (or cluster) for `pair` on this backend, configured from `params`."""
        impl = self._impl(pair)
        self._solvers(pair, impl, params)
        return impl.build(params)

    def function(self, pair: Pair) -> Any:
        """The function `pair` names on this backend (metrics)."""
        return self._impl(pair).resolve()

    def on_workers(self, pair: Pair) -> Impl | None:
        """`pair`'s implementation on this backend's Dask workers; None where it has none."""
        return None if self.dask_column is None else getattr(pair, self.dask_column)

    def build_on_workers(self, pair: Pair, params: Params) -> Any:
        """An estimator for `pair` on Dask workers (the caller checked `on_workers` first)."""
        impl = self.on_workers(pair)
        if impl is None:
            raise BackendError(f"{pair.name} has no implementation on {self.name} Dask workers")
        self.implementations[pair.name] = impl.path
        self._solvers(pair, impl, params)
        return impl.build(params)
