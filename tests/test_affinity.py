"""The connected kNN affinity graph of umap-spectral."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import kneighbors_graph

from clusterbench.backends import Backend
from clusterbench.estimators import affinity
from clusterbench.estimators.affinity import connected_knn_affinity
from clusterbench.registry import Params
from tests.fake_device import FakeDeviceBackend


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


# --- the GPU backend's graph: assembled and joined on the device ------------------------------


def island_pairs(n_pairs: int = 4, per_island: int = 25, seed: int = 2) -> np.ndarray:
    """Islands in close pairs, the pairs far apart: Boruvka needs more than one round."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-200, 200, size=(n_pairs, 3))
    points = [
        c + offset + rng.normal(scale=0.1, size=(per_island, 3))
        for c in centres
        for offset in (np.zeros(3), np.array([3.0, 0, 0]))
    ]
    return np.vstack(points).astype(np.float32)


CASES = {
    "islands": (islands(7), 10),
    "island pairs": (island_pairs(), 8),
    "connected": (np.random.default_rng(1).normal(size=(200, 5)).astype(np.float32), 15),
    "outliers": (np.vstack([islands(3), [[500.0] * 5], [[-500.0] * 5]]).astype(np.float32), 5),
}


def same_graph(a, b) -> None:
    """Equal as matrices: the same entries, values and dtype (indices in canonical order)."""
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    b.sort_indices()
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


@pytest.mark.parametrize("case", list(CASES))
def test_the_device_graph_on_numpy_is_the_host_graph(case):
    """The device code (array module NumPy, SciPy's CSR) gives the graph of the host code: the
    same kNN entries, the same joins, round for round."""
    X, k = CASES[case]
    params = Params(n_neighbors=k)
    same_graph(
        affinity.device_affinity(Backend(), X, params), connected_knn_affinity(Backend(), X, params)
    )


def test_the_gpu_backend_builds_the_graph_on_the_device_with_one_neighbour_search():
    """On the (fake) GPU the graph comes back as a device sparse matrix equal to the CPU graph,
    and the joins cost no neighbour search of their own: the kNN is the only one, however many
    components and rounds (the host code fits one index per component per round)."""
    backend = FakeDeviceBackend()
    builds: list[str] = []
    build = backend.build
    backend.build = lambda pair, params: builds.append(pair.name) or build(pair, params)
    for X, k in (CASES["islands"], CASES["island pairs"]):
        builds.clear()
        graph = connected_knn_affinity(backend, backend.to_device(X), Params(n_neighbors=k))
        assert builds == ["neighbors"], builds
        assert not sparse.issparse(graph), "the graph came back as a host SciPy matrix"
        same_graph(graph.get(), connected_knn_affinity(Backend(), X, Params(n_neighbors=k)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_device_components_are_scipys(seed):
    """The device's connected components (hooking and pointer jumping, by sorting) partition the
    points as SciPy's do, each named by its lowest index: random sparse graphs and a long path
    with its points shuffled (the slowest case for label propagation)."""
    rng = np.random.default_rng(seed)
    n = 500
    src, dst = rng.integers(0, n, size=(2, 300))
    path = rng.permutation(n)
    graphs = [(src, dst), (path[:-1], path[1:])]
    for a, b in graphs:
        a, b = np.concatenate([a, b]), np.concatenate([b, a])
        labels = affinity.components(Backend(), a, b, n)
        adjacency = sparse.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        count, expected = connected_components(adjacency, directed=False)
        lowest = np.full(count, n)
        np.minimum.at(lowest, expected, np.arange(n))
        np.testing.assert_array_equal(labels, lowest[expected])
