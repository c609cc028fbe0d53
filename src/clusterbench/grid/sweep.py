"""The sweep engine: every (eps, min_samples) of a DBSCAN grid from one neighbour graph.

For a fixed min_samples m a point is core at eps when its m-th nearest point (itself counted, as
scikit-learn counts) lies within eps, so one sorted neighbour graph gives every core set. Core
points within eps of each other form the clusters: the components of the mutual-reachability
graph max(core_i, core_j, d_ij) cut at eps (Campello et al., HDBSCAN*). Sweeping eps upwards adds
edges and never removes one, so a union-find that takes the edges in eps order labels the whole
eps axis in one pass. Clusters are numbered as scikit-learn numbers them, by their lowest-index
core point, and a border point (not core, fewer than m points within eps, all in its neighbour
list) joins the smallest-numbered cluster among its core neighbours: the labels are those of
`sklearn.cluster.DBSCAN(eps, min_samples).fit(X).labels_`, element for element.

Exactness rests on using scikit-learn's own distances: the graph holds the squared distances
that DBSCAN's radius query computes and compares with eps**2 (brute force above 15 dimensions,
where its NearestNeighbors(algorithm="auto") is brute force; a k-d tree's sums of squares below).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit
from sklearn.neighbors import NearestNeighbors

from clusterbench.errors import ConfigError

TREE_MAX_DIM = 15  # scikit-learn's NearestNeighbors(algorithm="auto") uses a tree up to here
GRAPH_BYTES_PER_EDGE = 12 + 16  # CSR value + index, plus the transient COO/sort buffers
# gpu_graph.py at its peak: cuML's CSR (float64 ones, int64 indices), its COO copy, int64 rows
# and cols, float64 distances, the lexsort's stacked keys and order, a feature's gathers
GPU_GRAPH_BYTES_PER_EDGE = 16 + 24 + 16 + 8 + 16 + 8 + 24
SAMPLE_FOR_ESTIMATE = 500


def squared_radius(eps: float, float32: bool = False) -> float:
    """eps**2 as scikit-learn's radius query compares it: a float64 product, except that the
    brute-force kernel on float32 data squares a float32 eps in float32."""
    if float32:
        return float(np.float32(eps) * np.float32(eps))
    return float(eps) * float(eps)


@dataclass(frozen=True)
class NeighbourGraph:
    """Every pair within the largest eps, rows sorted by distance, with squared distances."""

    csr: sp.csr_matrix
    float32_radius: bool  # compare with eps**2 as a float32 product (brute force, float32 X)

    def radius(self, eps: float) -> float:
        return squared_radius(eps, self.float32_radius)


def estimate_graph_bytes(
    X: np.ndarray, eps_max: float, seed: int = 0, bytes_per_edge: int = GRAPH_BYTES_PER_EDGE
) -> int:
    """Memory the neighbour graph up to eps_max will take, from the neighbour counts of a sample."""
    rng = np.random.default_rng(seed)
    sample = X[rng.choice(len(X), size=min(SAMPLE_FOR_ESTIMATE, len(X)), replace=False)]
    nn = NearestNeighbors(radius=eps_max).fit(X)
    counts = np.array([len(r) for r in nn.radius_neighbors(sample, return_distance=False)])
    return int(counts.mean() * len(X) * bytes_per_edge)


def check_graph_fits(
    X: np.ndarray,
    eps_max: float,
    budget_bytes: int,
    where: str = "available",
    bytes_per_edge: int = GRAPH_BYTES_PER_EDGE,
) -> int:
    """Refuse, in one line, a grid whose neighbour graph would not fit in `budget_bytes`."""
    need = estimate_graph_bytes(X, eps_max, bytes_per_edge=bytes_per_edge)
    if need > budget_bytes:
        raise ConfigError(
            f"the neighbour graph up to eps {eps_max:g} needs about {need / 2**30:.1f} GiB, more "
            f"than the {budget_bytes / 2**30:.1f} GiB {where}; use a smaller maximum eps or "
            "--subsample N"
        )
    return need


def neighbour_graph(X: np.ndarray, eps_max: float, n_jobs: int | None = None) -> NeighbourGraph:
    """All pairs within eps_max (each point with itself too), rows sorted by distance, holding
    squared distances exactly as scikit-learn's DBSCAN computes them for this X."""
    n = X.shape[0]
    if X.shape[1] > TREE_MAX_DIM:
        # DBSCAN's brute-force radius query: the same kernel with metric "sqeuclidean" returns
        # the squared distances it compares with eps**2, not their square roots.
        float32 = X.dtype == np.float32
        nn = NearestNeighbors(
            radius=squared_radius(eps_max, float32),
            metric="sqeuclidean",
            algorithm="brute",
            n_jobs=n_jobs,
        ).fit(X)
        csr = nn.radius_neighbors_graph(X, mode="distance", sort_results=True)
        return NeighbourGraph(csr, float32_radius=float32)
    # k-d tree: the pairs come from the tree; their squared distances are the tree's own sums of
    # squared float64 differences, feature by feature, recomputed here in the same order.
    nn = NearestNeighbors(radius=eps_max, algorithm="kd_tree", n_jobs=n_jobs).fit(X)
    pairs = nn.radius_neighbors_graph(X, mode="connectivity").tocoo()
    X64 = np.asarray(X, dtype=np.float64)
    sq = np.zeros(pairs.nnz)
    for j in range(X.shape[1]):
        diff = X64[pairs.row, j] - X64[pairs.col, j]
        sq += diff * diff
    order = np.lexsort((sq, pairs.row))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs.row, minlength=n), out=indptr[1:])
    csr = sp.csr_matrix((sq[order], pairs.col[order], indptr), shape=(n, n))
    return NeighbourGraph(csr, float32_radius=False)


@njit(cache=True, nogil=True)
def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return root


@njit(cache=True, nogil=True)
def sweep_labels(
    indptr: np.ndarray, indices: np.ndarray, sq: np.ndarray, m: int, radii: np.ndarray
) -> np.ndarray:
    """DBSCAN labels for one min_samples `m` at every squared radius of `radii` (ascending).

    Returns an int32 array (len(radii), n): row e holds the labels at radius radii[e].
    """
    n = len(indptr) - 1
    n_eps = len(radii)
    r_max = radii[n_eps - 1]
    core_sq = np.full(n, np.inf)  # squared core distance: the m-th nearest, self included
    for p in range(n):
        if indptr[p + 1] - indptr[p] >= m:
            core_sq[p] = sq[indptr[p] + m - 1]
    # Bucket the core-core edges by the first radius at which they join their endpoints.
    counts = np.zeros(n_eps + 1, dtype=np.int64)
    for p in range(n):
        if core_sq[p] > r_max:
            continue
        for k in range(indptr[p], indptr[p + 1]):
            q = indices[k]
            if q > p and core_sq[q] <= r_max:
                w = max(core_sq[p], core_sq[q], sq[k])
                counts[np.searchsorted(radii, w)] += 1
    starts = np.zeros(n_eps + 1, dtype=np.int64)
    for e in range(1, n_eps + 1):
        starts[e] = starts[e - 1] + counts[e - 1]
    fill = starts.copy()
    edge_u = np.empty(starts[n_eps], dtype=np.int64)
    edge_v = np.empty(starts[n_eps], dtype=np.int64)
    for p in range(n):
        if core_sq[p] > r_max:
            continue
        for k in range(indptr[p], indptr[p + 1]):
            q = indices[k]
            if q > p and core_sq[q] <= r_max:
                b = np.searchsorted(radii, max(core_sq[p], core_sq[q], sq[k]))
                if b < n_eps:
                    edge_u[fill[b]] = p
                    edge_v[fill[b]] = q
                    fill[b] += 1
    parent = np.arange(n)
    cluster_of_root = np.full(n, -1, dtype=np.int32)
    labels = np.full((n_eps, n), -1, dtype=np.int32)
    for e in range(n_eps):
        r = radii[e]
        for k in range(starts[e], starts[e + 1]):
            a, b = _find(parent, edge_u[k]), _find(parent, edge_v[k])
            if a != b:
                parent[max(a, b)] = min(a, b)
        row = labels[e]
        cluster_of_root[:] = -1
        n_clusters = 0
        for p in range(n):  # clusters numbered by their lowest-index core point
            if core_sq[p] <= r:
                root = _find(parent, p)
                if cluster_of_root[root] < 0:
                    cluster_of_root[root] = n_clusters
                    n_clusters += 1
                row[p] = cluster_of_root[root]
        for p in range(n):  # border points: the smallest cluster among core neighbours
            if core_sq[p] <= r:
                continue
            best = -1
            for k in range(indptr[p], indptr[p + 1]):
                if sq[k] > r:
                    break  # rows are sorted: no more neighbours within eps
                q = indices[k]
                if core_sq[q] <= r and (best < 0 or row[q] < best):
                    best = row[q]
            row[p] = best
    return labels


def sweep(graph: NeighbourGraph, min_samples: int, eps: list[float]) -> dict[float, np.ndarray]:
    """{eps: labels} for one min_samples over the given eps values (any order)."""
    ordered = sorted(set(eps))
    radii = np.array([graph.radius(e) for e in ordered])
    csr = graph.csr
    labels = sweep_labels(
        csr.indptr.astype(np.int64), csr.indices.astype(np.int64), csr.data, min_samples, radii
    )
    return {e: labels[i] for i, e in enumerate(ordered)}
