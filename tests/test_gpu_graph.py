"""grid/gpu_graph.py's CuPy code, run without a device: the array module NumPy, and
scikit-learn's radius query in place of cuML's, against the CPU graph (sweep.neighbour_graph)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from clusterbench.grid import gpu_graph
from clusterbench.grid.sweep import TREE_MAX_DIM, neighbour_graph, sweep


def sklearn_radius_pairs(X_dev: np.ndarray, eps_max: float) -> tuple[np.ndarray, np.ndarray]:
    """cuML's radius query stood in for: every pair within eps_max, as index arrays."""
    index = NearestNeighbors(radius=float(eps_max)).fit(X_dev)
    pairs = index.radius_neighbors_graph(X_dev).tocoo()
    return pairs.row, pairs.col


def digits(dims: int) -> tuple[np.ndarray, float]:
    X = PCA(dims, random_state=0).fit_transform(load_digits().data / 16).astype(np.float32)
    scale = float(np.median(np.linalg.norm(X - X.mean(0), axis=1)))
    return X, 0.5 * scale


def pairs(csr) -> set[tuple[int, int]]:
    """The graph's stored pairs, those at distance 0 (a point and itself) included."""
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    return set(zip(rows.tolist(), csr.indices.tolist(), strict=True))


@pytest.mark.parametrize("dims", [2, 8, 15])
def test_the_gpu_graph_code_gives_the_cpu_graph_below_16_dimensions(dims):
    """Where the CPU graph comes from a k-d tree, its squared distances are float64 sums over
    the features in order, as the GPU code computes them: the graphs are equal, bit for bit."""
    X, eps = digits(dims)
    gpu = gpu_graph.graph_from_pairs(np, X, eps, sklearn_radius_pairs, np.asarray)
    cpu = neighbour_graph(X, eps)
    assert dims <= TREE_MAX_DIM and cpu.csr.nnz > 5 * len(X)  # a graph worth comparing
    assert gpu.radius(eps) == cpu.radius(eps)
    for part in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(gpu.csr, part), getattr(cpu.csr, part), part)


@pytest.mark.parametrize("dims", [20, 40])
def test_the_gpu_graph_code_agrees_with_the_brute_force_cpu_graph(dims):
    """Above 15 dimensions the CPU graph holds scikit-learn's brute-force squared distances and
    compares them with a float32 eps**2: the pairs are the same but within rounding of eps, the
    distances agree to float32 rounding, and the sweep labels every configuration alike."""
    X, eps = digits(dims)
    gpu = gpu_graph.graph_from_pairs(np, X, eps, sklearn_radius_pairs, np.asarray)
    cpu = neighbour_graph(X, eps)
    edges = {k: pairs(g.csr) for k, g in (("cpu", cpu), ("gpu", gpu))}
    X64 = X.astype(np.float64)
    for i, j in edges["cpu"] ^ edges["gpu"]:
        assert abs(np.sum((X64[i] - X64[j]) ** 2) - eps**2) <= 1e-5 * eps**2, (i, j)
    rows, cols = np.array(sorted(edges["cpu"] & edges["gpu"])).T
    close = {"rtol": 1e-5, "atol": 1e-6 * eps**2}  # a point and itself: 0 against 1e-15
    np.testing.assert_allclose(gpu.csr[rows, cols].A1, cpu.csr[rows, cols].A1, **close)
    for row in range(len(X)):  # each row sorted by distance, as the sweep reads it
        start, stop = gpu.csr.indptr[row], gpu.csr.indptr[row + 1]
        assert np.all(np.diff(gpu.csr.data[start:stop]) >= 0)
    for min_samples in (2, 5, 12):
        by_cpu = sweep(cpu, min_samples, [0.5 * eps, eps])
        by_gpu = sweep(gpu, min_samples, [0.5 * eps, eps])
        for e in (0.5 * eps, eps):
            np.testing.assert_array_equal(by_gpu[e], by_cpu[e], err_msg=f"{min_samples}, {e}")
