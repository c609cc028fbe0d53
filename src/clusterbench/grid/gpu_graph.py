"""The sweep engine's neighbour graph on the GPU: cuML's radius query, CuPy for the distances.

Imported only on the GPU backend (after `backends.select_backend` found a device). The GPU
computes in float32 with its own kernels, so labels can differ from scikit-learn's where a
distance lies within rounding of eps; the CPU graph is the one that is exact.
"""

from __future__ import annotations

import cupy as cp
import numpy as np
import scipy.sparse as sp
from cuml.neighbors import NearestNeighbors

from clusterbench.grid.sweep import NeighbourGraph


def neighbour_graph(X: np.ndarray, eps_max: float, n_jobs: int | None = None) -> NeighbourGraph:
    """All pairs within eps_max (self included), rows sorted by squared distance, on the host."""
    X_dev = cp.asarray(X, dtype=cp.float32)
    index = NearestNeighbors(radius=float(eps_max), algorithm="rbc")
    index.fit(X_dev)
    pairs = index.radius_neighbors_graph(X_dev).tocoo()
    rows, cols = pairs.row.astype(cp.int64), pairs.col.astype(cp.int64)
    sq = cp.zeros(rows.size, dtype=cp.float64)
    for j in range(X_dev.shape[1]):  # feature by feature: no (edges x features) temporary
        diff = X_dev[rows, j].astype(cp.float64) - X_dev[cols, j].astype(cp.float64)
        sq += diff * diff
    order = cp.lexsort(cp.stack([sq, rows.astype(cp.float64)]))
    n = X.shape[0]
    indptr = cp.zeros(n + 1, dtype=cp.int64)
    indptr[1:] = cp.cumsum(cp.bincount(rows, minlength=n))
    csr = sp.csr_matrix(
        (cp.asnumpy(sq[order]), cp.asnumpy(cols[order]), cp.asnumpy(indptr)), shape=(n, n)
    )
    return NeighbourGraph(csr, float32_radius=False)
