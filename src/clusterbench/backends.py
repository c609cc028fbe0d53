"""Compute backends, and the one place that decides whether a GPU can be used.

A backend moves arrays to and from its device, synchronises it for honest timings, and builds
each step from its column of the registry. The pipeline never asks which backend it runs on.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from clusterbench.errors import BackendError
from clusterbench.registry import DaskOptions, Impl, Pair, Params

BACKENDS = ("auto", "cpu", "cpu-intelex", "gpu", "gpu-accel")


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


class IntelexBackend(Backend):
    """Stock scikit-learn with scikit-learn-intelex's oneDAL estimators where it has them,
    imported from sklearnex's own modules (no global patch of scikit-learn)."""

    name = "cpu-intelex"
    column = "intelex"
    dask_column = None  # oneDAL's estimators are single-process


@dataclass(frozen=True)
class GpuProbe:
    usable: bool
    reason: str


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def probe_gpu() -> GpuProbe:
    """Can this machine run the GPU backend? Cheapest checks first: CuPy, a device, then cuML.

    Any failure (a missing package, a CUDA library or driver that does not load, no device) is
    "not usable", with the exception's class and first line as the reason: `--backend auto`
    then falls back to the CPU instead of crashing."""
    try:
        cupy = importlib.import_module("cupy")
    except ImportError:
        return GpuProbe(False, "package missing: cupy (install clusterbench[gpu])")
    except Exception as exc:  # a CUDA library that does not load, a broken install
        return GpuProbe(False, f"cupy does not import ({_first_line(exc)})")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy raises CUDARuntimeError, or CUDADriverError without a driver
        text = str(exc)
        if "InsufficientDriver" in text or "NoDriver" in text or "driver" in text.lower():
            return GpuProbe(False, f"no usable CUDA driver ({text.split(':')[0]})")
        return GpuProbe(False, f"no CUDA device ({text.split(':')[0]})")
    if count < 1:
        return GpuProbe(False, "no CUDA device found")
    try:
        importlib.import_module("cuml")
    except ImportError:
        return GpuProbe(False, "package missing: cuml (install clusterbench[gpu])")
    except Exception as exc:  # e.g. OSError from a CUDA library, RuntimeError from the driver
        return GpuProbe(False, f"cuml does not import ({_first_line(exc)})")
    return GpuProbe(True, f"{count} CUDA device(s) found, cuml and cupy import")


def select_backend(name: str) -> Backend:
    """The backend for `--backend name`; `auto` takes the GPU only where one is usable."""
    if name == "cpu":
        return Backend("requested with --backend cpu")
    if name == "cpu-intelex":
        try:
            importlib.import_module("sklearnex")
        except ImportError:
            raise BackendError(
                "--backend cpu-intelex needs scikit-learn-intelex (install clusterbench[intel])"
            ) from None
        except Exception as exc:  # a oneDAL library that does not load
            raise BackendError(
                f"--backend cpu-intelex: sklearnex does not import ({exc})"
            ) from None
        return IntelexBackend("requested with --backend cpu-intelex")
    if name not in ("auto", "gpu", "gpu-accel"):
        raise BackendError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    probe = probe_gpu()
    if not probe.usable:
        if name != "auto":
            raise BackendError(f"--backend {name} cannot run here: {probe.reason}")
        return Backend(f"auto: no usable GPU ({probe.reason})")
    if name == "gpu-accel":
        from clusterbench.gpu import GpuAccelBackend

        return GpuAccelBackend(f"--backend gpu-accel: {probe.reason}")
    from clusterbench.gpu import GpuBackend

    return GpuBackend(f"{'auto' if name == 'auto' else '--backend gpu'}: {probe.reason}")
