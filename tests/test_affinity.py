"""The connected kNN affinity graph of umap-spectral."""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import kneighbors_graph

from clusterbench.affinity import connected_knn_affinity
from clusterbench.backends import Backend
from clusterbench.registry import Params


def islands(n_islands: int, per_island: int = 30, seed: int = 0) -> np.ndarray:
    """Tight blobs far apart: a kNN graph of them falls apart into one piece per blob."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-100, 100, size=(n_islands, 5))
    points = [c + rng.normal(scale=0.1, size=(per_island, 5)) for c in centres]
    return np.vstack(points).astype(np.float32)


def test_islands_are_joined_by_a_spanning_tree_and_knn_edges_stay_as_scikit_learn_builds_them():
    X = islands(7)
    plain = kneighbors_graph(X, 10, include_self=True)
    plain = 0.5 * (plain + plain.T)
    assert connected_components(plain, directed=False)[0] == 7
    graph = connected_knn_affinity(Backend(), X, Params(n_neighbors=10))
    assert connected_components(graph, directed=False)[0] == 1
    assert abs(graph - graph.T).max() == 0  # symmetric
    joins = graph - plain
    assert joins.nnz == 2 * 6  # a spanning tree over 7 components: 6 edges, both directions
    assert np.all(joins.data == 1.0)
    rows, cols = joins.nonzero()
    labels = np.repeat(np.arange(7), 30)
    assert np.all(labels[rows] != labels[cols])  # every join links two islands


def test_a_connected_graph_is_left_as_it_is():
    X = np.random.default_rng(1).normal(size=(200, 5)).astype(np.float32)
    graph = connected_knn_affinity(Backend(), X, Params(n_neighbors=15))
    plain = kneighbors_graph(X, 15, include_self=True)
    assert abs(graph - 0.5 * (plain + plain.T)).max() == 0
