"""The sweep engine's neighbour graph on the GPU: cuML's radius query, CuPy for the distances.

Used only on the GPU backend (after `backends.select_backend` found a device); CuPy and cuML are
imported when it runs, so that `graph_from_pairs`, written against an array module `xp`, runs
and is tested with NumPy and scikit-learn's search where no device exists. The GPU computes in
float32 with its own kernels, so labels can differ from scikit-learn's where a distance lies
within rounding of eps; the CPU graph is the one that is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from clusterbench.grid.sweep import NeighbourGraph

# (features on the device, eps_max) -> row and column indices of every pair within eps_max
RadiusPairs = Callable[[Any, float], tuple[Any, Any]]


def neighbour_graph(X: np.ndarray, eps_max: float, n_jobs: int | None = None) -> NeighbourGraph:
    """All pairs within eps_max (self included), rows sorted by squared distance, on the host."""
    import cupy as cp

    return graph_from_pairs(cp, X, eps_max, _cuml_radius_pairs, cp.asnumpy)


def _cuml_radius_pairs(X_dev: Any, eps_max: float) -> tuple[Any, Any]:
    """cuML's random-ball-cover radius query: the pairs within eps_max, on the device."""
    from cuml.neighbors import NearestNeighbors

    index = NearestNeighbors(radius=float(eps_max), algorithm="rbc")
    index.fit(X_dev)
    pairs = index.radius_neighbors_graph(X_dev).tocoo()
    return pairs.row, pairs.col


def graph_from_pairs(
    xp: Any,
    X: np.ndarray,
    eps_max: float,
    radius_pairs: RadiusPairs,
    to_host: Callable[[Any], np.ndarray],
) -> NeighbourGraph:
    """The neighbour graph from the pairs `radius_pairs` finds: squared distances recomputed
    in float64 (as the CPU graph's k-d tree sums them), rows sorted by distance, moved to the
    host with `to_host` (the sweep runs there)."""
    X_dev = xp.asarray(X, dtype=xp.float32)
    row, col = radius_pairs(X_dev, eps_max)
    rows, cols = row.astype(xp.int64), col.astype(xp.int64)
    sq = xp.zeros(rows.size, dtype=xp.float64)
    for j in range(X_dev.shape[1]):  # feature by feature: no (edges x features) temporary
        diff = X_dev[rows, j].astype(xp.float64) - X_dev[cols, j].astype(xp.float64)
        sq += diff * diff
    order = xp.lexsort(xp.stack([sq, rows.astype(xp.float64)]))
    n = X.shape[0]
    indptr = xp.zeros(n + 1, dtype=xp.int64)
    indptr[1:] = xp.cumsum(xp.bincount(rows, minlength=n))
    csr = sp.csr_matrix((to_host(sq[order]), to_host(cols[order]), to_host(indptr)), shape=(n, n))
    return NeighbourGraph(csr, float32_radius=False)
