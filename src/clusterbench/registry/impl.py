"""What a registry row is: a step or method (Pair), each backend's implementation of it (Impl),
and the size of a local Dask cluster (DaskOptions, what the CLUSTERS rows are configured by)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clusterbench.errors import BackendError

KwargsFn = Callable[[Any], dict[str, Any]]  # Params, or DaskOptions for the CLUSTERS rows


@dataclass(frozen=True)
class DaskOptions:
    """How big a local Dask cluster to start (None workers: one per core, or one per GPU)."""

    workers: int | None = None
    threads_per_worker: int = 1
    processes: bool = True  # False: threads in this process (quick start-up for small grids)


def _no_kwargs(_: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Impl:
    """A library callable by dotted path, the keywords a run's Params give it, and which of its
    paths those keywords take where the result or the time depends on it (`solvers`: e.g.
    {"eigensolver": "amg"}, {"umap": "fast"}; a run record keeps them, the report shows them)."""

    path: str
    kwargs: KwargsFn = _no_kwargs
    solvers: Callable[[Any], dict[str, str]] = _no_kwargs
    # on Dask workers: takes one in-memory array, not a Dask one (cuml.dask's DBSCAN scatters
    # its input to every worker), so the distributed pipeline gathers the features first
    in_memory: bool = False

    def resolve(self) -> Any:
        module, _, attr = self.path.rpartition(".")
        return getattr(importlib.import_module(module), attr)

    def build(self, params: Any) -> Any:
        return self.resolve()(**self.kwargs(params))


@dataclass(frozen=True)
class Pair:
    """One step on every backend: its implementations (columns) and the Params they share.

    Columns: `cpu` (stock scikit-learn), `gpu` (cuML), `intelex` (scikit-learn-intelex's
    oneDAL estimator, where it has one; the stock one otherwise). The `gpu-accel` backend runs
    the `cpu` column under cuml.accel. On Dask workers (`--scheduler`): `dask` (dask-ml on CPU
    workers) and `dask_gpu` (cuml.dask on dask-cuda workers); None where that library has no
    distributed implementation, and the run is refused."""

    name: str
    cpu: Impl
    gpu: Impl | None  # None: cuML has none, and the GPU backends refuse the method
    params: tuple[str, ...] = ()
    description: str = ""
    has_noise: bool = False  # labels -1 mark noise points that belong to no cluster
    embedding: str | None = None  # a STEPS row applied to the PCA features before clustering
    knn: int = 50  # the method's default KNN neighbours (the study's 50)
    connected_affinity: bool = False  # cluster a connected kNN graph (affinity.py), not points
    noise_hint: str = ""  # what to change when every digit ends up as noise
    intelex: Impl | None = None  # None: scikit-learn-intelex has none; the stock one runs
    dask: Impl | None = None  # on CPU Dask workers
    dask_gpu: Impl | None = None  # on dask-cuda workers

    def on(self, column: str) -> Impl:
        """The implementation in `column`; where scikit-learn-intelex has none, the stock CPU
        one; where cuML has none, BackendError."""
        impl = getattr(self, column)
        if impl is None and column == "gpu":
            raise BackendError(
                f"{self.name} has no GPU implementation (cuML has none); use --backend cpu"
            )
        return impl or self.cpu
