"""CPU and GPU reach the same result on the same data (runs only where a GPU is usable)."""

from __future__ import annotations

import pytest

from clusterbench.data import DataOptions
from clusterbench.registry import Params
from clusterbench.runner import RunConfig, run

pytestmark = [pytest.mark.gpu, pytest.mark.mnist]

CASES = {
    "kmeans": Params(),
    "spectral": Params(),
    "dbscan": Params(n_components=50, eps=4.2, min_samples=20),
    "umap-kmeans": Params(n_clusters=20),
    "umap-spectral": Params(),  # the connected affinity graph's neighbour searches on the device
}
ACCURACY_TOL = {"umap-kmeans": 0.01}  # the UMAP issue asks for one point; the others two


@pytest.mark.parametrize("method", list(CASES))
def test_cpu_and_gpu_agree(mnist_dir, method):
    records = {
        backend: run(
            RunConfig(
                dataset="mnist",
                data=DataOptions(data_dir=mnist_dir),
                subsample=10_000,
                method=method,
                params=CASES[method],
                backend=backend,
            ),
            log=lambda _: None,
        )
        for backend in ("cpu", "gpu")
    }
    cpu, gpu = records["cpu"].metrics, records["gpu"].metrics
    assert records["gpu"].backend == "gpu"
    assert records["gpu"].environment.gpu["gpu_name"]
    assert {"peak_device_used_bytes", "peak_device_pool_used_bytes"} <= set(
        records["gpu"].memory["cluster"]
    )
    assert abs(cpu["test_accuracy"] - gpu["test_accuracy"]) <= ACCURACY_TOL.get(method, 0.02)
    if not method.startswith("umap-"):  # the issues set no ARI tolerance for UMAP
        assert abs(cpu["ari"] - gpu["ari"]) <= 0.03, (cpu, gpu)
