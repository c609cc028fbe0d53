"""The GPU backend's device hooks (CuPy); its estimators come from the registry's GPU column.

Imported only by `backends.select` once a device has answered, so this module may
import CuPy at the top. Every CuPy call here is checked by the API-contract tests.
"""

from __future__ import annotations

from typing import Any

import cupy as cp
import numpy as np

from clusterbench.backends.base import Backend


class GpuBackend(Backend):
    name = "gpu"
    column = "gpu"
    dask_column = "dask_gpu"
    xp = cp

    def to_device(self, array: np.ndarray) -> Any:
        return cp.asarray(array)

    def to_host(self, array: Any) -> np.ndarray:
        return cp.asnumpy(array)

    def csr_matrix(self, data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> Any:
        """CuPy's CSR matrix of device arrays (cuML takes it as a precomputed affinity)."""
        import cupyx.scipy.sparse

        return cupyx.scipy.sparse.csr_matrix((data, indices, indptr), shape=shape)

    def synchronize(self) -> None:
        cp.cuda.runtime.deviceSynchronize()

    def device_memory(self) -> dict[str, int]:
        """Bytes in use on the whole device (the CUDA context and other processes included:
        cuML allocates outside CuPy's pool), and bytes CuPy's pool hands out right now."""
        free, total = cp.cuda.runtime.memGetInfo()
        return {
            "device_used_bytes": int(total - free),
            "device_pool_used_bytes": int(cp.get_default_memory_pool().used_bytes()),
        }

    def free_memory(self) -> int:
        """Bytes free on the device (cuML allocates outside CuPy's pool, so ask the driver)."""
        free, _ = cp.cuda.runtime.memGetInfo()
        return int(free)

    def environment(self) -> dict[str, Any]:
        device = cp.cuda.runtime.getDevice()
        props = cp.cuda.runtime.getDeviceProperties(device)
        name = props["name"]
        return {
            "gpu_name": name.decode() if isinstance(name, bytes) else str(name),
            "gpu_memory_bytes": int(props["totalGlobalMem"]),
            "gpu_count": cp.cuda.runtime.getDeviceCount(),
            "cuda_driver_version": cp.cuda.runtime.driverGetVersion(),
            "cuda_runtime_version": cp.cuda.runtime.runtimeGetVersion(),
        }
