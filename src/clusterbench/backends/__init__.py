"""backends: where arrays live and which library runs each step (CPU, scikit-learn-intelex,
GPU, cuml.accel); `select` picks one."""

from clusterbench.backends.base import Backend
from clusterbench.backends.intelex import IntelexBackend
from clusterbench.backends.select import BACKENDS, GpuProbe, probe_gpu, select_backend

__all__ = ["BACKENDS", "Backend", "GpuProbe", "IntelexBackend", "probe_gpu", "select_backend"]
