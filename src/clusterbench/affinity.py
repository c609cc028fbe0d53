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


def connected_knn_affinity(backend: Backend, features: Any, params: Params) -> sparse.csr_matrix:
    """The symmetric kNN connectivity graph of `features` (scikit-learn's `nearest_neighbors`
    affinity: k neighbours, the point itself included, (A + A.T) / 2), plus one edge of weight 1
    for each join of a minimum spanning tree over its connected components.

    The neighbour searches run on the backend's device; the graph (n x k entries) is assembled on
    the host, where both scikit-learn and cuML take a precomputed sparse affinity.
    """
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
