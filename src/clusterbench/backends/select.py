"""The one place that decides which backend runs, and whether a GPU can be used: the only
module that imports the backends (the GPU ones only once a device has answered)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from clusterbench.backends.base import Backend
from clusterbench.backends.intelex import IntelexBackend
from clusterbench.errors import BackendError

BACKENDS = ("auto", "cpu", "cpu-intelex", "gpu", "gpu-accel")


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
        from clusterbench.backends.accel import GpuAccelBackend

        return GpuAccelBackend(f"--backend gpu-accel: {probe.reason}")
    from clusterbench.backends.gpu import GpuBackend

    return GpuBackend(f"{'auto' if name == 'auto' else '--backend gpu'}: {probe.reason}")
