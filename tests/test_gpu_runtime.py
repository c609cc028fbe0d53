"""CPU and GPU reach the same result on the same data, within the tolerance policy (runs only
where a GPU is usable: `pytest -m gpu`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from clusterbench.data import DataOptions
from clusterbench.parity.tolerances import for_method
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.run import run
from clusterbench.registry import METHODS, Params
from clusterbench.suites.budget import labelling_budget

pytestmark = [pytest.mark.gpu, pytest.mark.mnist]

PARAMS = {
    "dbscan": Params(n_components=50, eps=4.2, min_samples=20),  # clusters on a 10,000 sample
    "umap-kmeans": Params(n_clusters=20),
    "umap-hdbscan": Params(min_cluster_size=170),  # 1000 of 60,000 digits, scaled to 10,000
}


def _config(mnist_dir, method: str, backend: str) -> RunConfig:
    return RunConfig(
        dataset="mnist",
        data=DataOptions(data_dir=mnist_dir),
        subsample=10_000,
        method=method,
        params=PARAMS.get(method, Params()),
        backend=backend,
    )


@pytest.mark.parametrize("method", list(METHODS))
def test_cpu_and_gpu_agree(mnist_dir, method):
    records = {b: run(_config(mnist_dir, method, b), log=lambda _: None) for b in ("cpu", "gpu")}
    cpu, gpu = records["cpu"].metrics, records["gpu"].metrics
    assert records["gpu"].backend == "gpu"
    assert records["gpu"].environment.gpu["gpu_name"]
    assert {"peak_device_used_bytes", "peak_device_pool_used_bytes"} <= set(
        records["gpu"].memory["cluster"]
    )
    tolerance = for_method(method)
    assert abs(cpu["test_accuracy"] - gpu["test_accuracy"]) <= tolerance.accuracy, (cpu, gpu)
    assert abs(cpu["ari"] - gpu["ari"]) <= tolerance.ari, (cpu, gpu)


@pytest.mark.parametrize("method", [m for m, row in METHODS.items() if row.embedding == "umap"])
def test_cpu_and_gpu_agree_on_the_fast_umap_path(mnist_dir, method):
    """Unseeded UMAP on both backends (umap-learn on every core, cuML's fast path), within the
    fast rows of the tolerance policy; both records say which path ran."""
    records = {}
    for backend in ("cpu", "gpu"):
        config = _config(mnist_dir, method, backend)
        config = replace(config, params=replace(config.params, umap_mode="fast"))
        records[backend] = run(config, log=lambda _: None)
    assert {r.solvers["umap"] for r in records.values()} == {"fast"}
    cpu, gpu = records["cpu"].metrics, records["gpu"].metrics
    tolerance = for_method(method, "fast")
    assert abs(cpu["test_accuracy"] - gpu["test_accuracy"]) <= tolerance.accuracy, (cpu, gpu)
    assert abs(cpu["ari"] - gpu["ari"]) <= tolerance.ari, (cpu, gpu)


def test_the_budget_curve_agrees(mnist_dir):
    curves = {
        b: labelling_budget(_config(mnist_dir, "umap-kmeans", b), (10, 20), lambda _: None)
        for b in ("cpu", "gpu")
    }
    tolerance = for_method("umap-kmeans")
    for cpu, gpu in zip(curves["cpu"].points, curves["gpu"].points, strict=True):
        assert cpu.clusters == gpu.clusters
        assert abs(cpu.test_accuracy - gpu.test_accuracy) <= tolerance.accuracy, (cpu, gpu)


def test_the_gpu_graph_matches_the_cpu_graph(mnist_dir):
    """cuML's radius query in 50 dimensions finds the pairs scikit-learn finds: the same edges
    but for pairs within float32 rounding of eps, squared distances within 1e-4 relative, and
    the sweep's labels of sampled configurations within ARI 0.999 of the CPU graph's."""
    from sklearn.metrics import adjusted_rand_score

    from clusterbench.backends import Backend
    from clusterbench.grid.gpu_graph import neighbour_graph as gpu_graph
    from clusterbench.grid.runner import GridConfig, prepare
    from clusterbench.grid.sweep import neighbour_graph as cpu_graph
    from clusterbench.grid.sweep import sweep
    from tests.test_gpu_graph import pairs

    config = GridConfig(data=DataOptions(data_dir=mnist_dir), subsample=5_000)
    X, _, _ = prepare(config, Backend(), lambda _: None)
    eps = 4.0
    cpu, gpu = cpu_graph(X, eps).csr, gpu_graph(X, eps).csr
    edges = {k: pairs(g) for k, g in (("cpu", cpu), ("gpu", gpu))}  # nonzero() drops d = 0
    X64 = X.astype(np.float64)
    for i, j in edges["cpu"] ^ edges["gpu"]:  # only where rounding decides
        assert abs(np.sum((X64[i] - X64[j]) ** 2) - eps**2) <= 1e-4 * eps**2, (i, j)
    both = sorted(edges["cpu"] & edges["gpu"])
    rows, cols = np.array(both).T
    assert np.allclose(cpu[rows, cols].A1, gpu[rows, cols].A1, rtol=1e-4, atol=1e-6 * eps**2)
    for min_samples in (12, 32, 92):
        by_cpu = sweep(cpu_graph(X, eps), min_samples, [2.0, 3.0, 4.0])
        by_gpu = sweep(gpu_graph(X, eps), min_samples, [2.0, 3.0, 4.0])
        for e in (2.0, 3.0, 4.0):
            assert adjusted_rand_score(by_cpu[e], by_gpu[e]) >= 0.999, (min_samples, e)
