"""A connected nearest-neighbour affinity graph, for spectral clustering of a UMAP embedding.

UMAP with min_dist 0 pulls the digits into tight, well separated islands: the plain kNN graph of
the embedding then falls apart into more components than clusters (13-14 for the 8x8 digits at
k = 10), the Laplacian's null space is larger than the number of clusters asked for, and which
components the eigensolver merges is arbitrary (accuracy 0.68-0.82 over four seeds). Joining the
components by their shortest edges (Boruvka's rounds of a minimum spanning tree over the
components, as scikit-learn's Isomap joins a disconnected graph) makes the graph connected and the
spectral problem well posed, while every kNN edge stays as scikit-learn builds it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from clusterbench.backends import Backend
from clusterbench.registry import STEPS, Params

# The device search's tiles: rows x points float64 squared distances (and as many differences).
SEARCH_TILE_BYTES = 2**28


def connected_knn_affinity(backend: Backend, features: Any, params: Params) -> Any:
    """The symmetric kNN connectivity graph of `features` (scikit-learn's `nearest_neighbors`
    affinity: k neighbours, the point itself included, (A + A.T) / 2), plus one edge of weight 1
    for each join of a minimum spanning tree over its connected components.

    Where the backend's arrays live on the host (NumPy), SciPy assembles the graph and a k-d tree
    per component finds the joins; on a device (CuPy) `device_affinity` builds the same graph
    there, as the backend's sparse matrix, and the clustering takes it without a copy.
    """
    if backend.xp is np:
        return _host_affinity(backend, features, params)
    return device_affinity(backend, features, params)


def _host_affinity(backend: Backend, features: Any, params: Params) -> sparse.csr_matrix:
    """The graph on the host: SciPy's CSR, SciPy's components, one tree search per component."""
    n, k = features.shape[0], params.n_neighbors
    _, neighbours = backend.build(STEPS["neighbors"], params).fit(features).kneighbors(features)
    rows = np.repeat(np.arange(n), k)
    cols = backend.to_host(neighbours).astype(np.int64).ravel()
    graph = sparse.csr_matrix((np.ones(n * k, np.float32), (rows, cols)), shape=(n, n))
    graph = (0.5 * (graph + graph.T)).tocsr()
    bridges = _component_bridges(backend, features, graph, params)
    if bridges:
        a, b = np.array(bridges).T
        joins = sparse.csr_matrix((np.ones(len(a), np.float32), (a, b)), shape=(n, n))
        graph = graph + joins + joins.T
    return graph.tocsr()


def _component_bridges(
    backend: Backend, features: Any, graph: sparse.csr_matrix, params: Params
) -> list[tuple[int, int]]:
    """Boruvka: each round, every component's shortest edge to another component joins them."""
    bridges: set[tuple[int, int]] = set()  # two components may pick the same edge
    nearest_one = replace(params, n_neighbors=1)
    n_components, labels = connected_components(graph, directed=False)
    while n_components > 1:
        for component in range(n_components):
            inside = labels == component
            inside_idx, outside_idx = np.flatnonzero(inside), np.flatnonzero(~inside)
            index = backend.build(STEPS["neighbors"], nearest_one)
            index.fit(features[backend.to_device(outside_idx)])
            dist, nearest = index.kneighbors(features[backend.to_device(inside_idx)])
            dist, nearest = backend.to_host(dist).ravel(), backend.to_host(nearest).ravel()
            best = int(np.argmin(dist))
            a, b = int(inside_idx[best]), int(outside_idx[nearest[best]])
            bridges.add((min(a, b), max(a, b)))
        a, b = np.array(sorted(bridges)).T
        joined = graph + sparse.csr_matrix((np.ones(len(a)), (a, b)), shape=graph.shape)
        n_components, labels = connected_components(joined, directed=False)
    return sorted(bridges)


# --- on the device: the backend's array module only ----------------------------------------------


def device_affinity(backend: Backend, features: Any, params: Params) -> Any:
    """The graph of `connected_knn_affinity`, built where `features` live, with the backend's
    array module (`xp`) and returned as its sparse matrix (`backend.csr_matrix`).

    The kNN is the one neighbour search (the registry's, cuML's on the GPU): each round of joins
    finds every point's nearest point in another component in one pass over tiles of exact
    distances (float64 sums of squared differences, as scikit-learn's k-d tree computes them), so
    the joins are those of the host code, ties apart (a k-d tree's order against the lowest index).
    """
    xp = backend.xp
    n, k = features.shape[0], params.n_neighbors
    _, neighbours = backend.build(STEPS["neighbors"], params).fit(features).kneighbors(features)
    rows = xp.repeat(xp.arange(n, dtype=xp.int64), k)
    cols = neighbours.astype(xp.int64).ravel()
    # (A + A.T) / 2 as sorted keys row * n + col: each kNN edge counts 1/2 in both directions.
    keys, counts = xp.unique(xp.concatenate([rows * n + cols, cols * n + rows]), return_counts=True)
    values = counts.astype(xp.float32) / 2
    joins = _device_bridges(backend, features, keys // n, keys % n)
    keys = xp.concatenate([keys, joins, (joins % n) * n + joins // n])
    values = xp.concatenate([values, xp.ones(2 * joins.size, dtype=xp.float32)])
    order = xp.argsort(keys)  # the joins link components: no key twice
    keys, values = keys[order], values[order]
    indptr = xp.zeros(n + 1, dtype=xp.int64)
    indptr[1:] = xp.cumsum(xp.bincount(keys // n, minlength=n))
    return backend.csr_matrix(values, (keys % n).astype(xp.int32), indptr.astype(xp.int32), (n, n))


def _device_bridges(backend: Backend, features: Any, src: Any, dst: Any) -> Any:
    """Boruvka on the device: the joins, as keys low * n + high, of every round."""
    xp, n = backend.xp, features.shape[0]
    labels = components(backend, src, dst, n)
    found = [xp.zeros(0, dtype=xp.int64)]
    while int(backend.to_host(xp.count_nonzero(labels == xp.arange(n)))) > 1:
        dist, nearest = nearest_in_other_component(xp, features, labels)
        # each component's closest point (lowest index among equals) and its nearest outside
        order = xp.lexsort(xp.stack([xp.arange(n, dtype=xp.float64), dist, labels]))
        first = _segment_starts(xp, labels[order])
        a = order[first]
        b = nearest[a]
        low, high = xp.minimum(a, b), xp.maximum(a, b)
        found.append(xp.unique(low * n + high))  # two components may pick the same edge
        ends = xp.concatenate([labels[low], labels[high]])
        starts = xp.concatenate([labels[high], labels[low]])
        labels = components(backend, ends, starts, n)[labels]
    return xp.concatenate(found)


def nearest_in_other_component(xp: Any, features: Any, labels: Any) -> tuple[Any, Any]:
    """For every point, the distance to its nearest point of another component, and that point
    (the lowest index among equals): one brute-force pass in tiles of SEARCH_TILE_BYTES."""
    X = features.astype(xp.float64)
    n, d = X.shape
    step = max(1, SEARCH_TILE_BYTES // (16 * n))
    dist = xp.empty(n, dtype=xp.float64)
    nearest = xp.empty(n, dtype=xp.int64)
    for start in range(0, n, step):
        stop = min(n, start + step)
        sq = xp.zeros((stop - start, n), dtype=xp.float64)
        for j in range(d):  # feature by feature, as the k-d tree sums them
            diff = X[start:stop, j][:, None] - X[:, j][None, :]
            sq += diff * diff
        sq[labels[start:stop][:, None] == labels[None, :]] = xp.inf
        best = xp.argmin(sq, axis=1)
        nearest[start:stop] = best
        dist[start:stop] = sq[xp.arange(stop - start), best]
    return xp.sqrt(dist), nearest


def components(backend: Backend, src: Any, dst: Any, n: int) -> Any:
    """Each point's connected component, named by its lowest point index, for the edges src ->
    dst (both directions given): roots hook under their smallest neighbouring root, then pointer
    jumping; per-root minima by sorting, so no atomic scatter is needed."""
    xp = backend.xp
    parent = xp.arange(n, dtype=xp.int64)
    while True:
        root, other = parent[src], parent[dst]
        order = xp.lexsort(xp.stack([xp.minimum(root, other), root]))
        first = _segment_starts(xp, root[order])
        hooked = parent.copy()
        hooked[root[order][first]] = xp.minimum(root, other)[order][first]
        while True:  # pointer jumping until every point points at its root
            jumped = hooked[hooked]
            if not bool(backend.to_host(xp.any(jumped != hooked))):
                break
            hooked = jumped
        if not bool(backend.to_host(xp.any(hooked != parent))):
            return parent
        parent = hooked


def _segment_starts(xp: Any, sorted_keys: Any) -> Any:
    """Where each run of equal keys starts, in a sorted array."""
    first = xp.ones(sorted_keys.size, dtype=xp.bool_)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return first
