"""The labelling KNN over partitions of the training digits: exact, and never gathered.

Each partition answers every query with its own k nearest training digits (squared distances and
cluster ids); the global k nearest are among the union of those, so merging the partitions'
answers by distance gives the single-process KNN's neighbours, up to the order of points at
exactly equal distance. The vote is a plain majority with the smallest cluster id winning a tie,
as scikit-learn's KNeighborsClassifier(weights="uniform") decides. With Dask, the partitions are
a Dask array's blocks, each answered where it lives; only (queries x k) answers travel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics.pairwise import euclidean_distances

DISTANCES_PER_BATCH = 25_000_000  # queries x block rows per distance matrix: 100 MB of float32


def _no_wait(_: list) -> None:
    """Nothing to show while the blocks are answered."""


def block_topk(
    train: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each query's nearest min(k, len(train)) digits of this block: (squared distances, ids),
    both (n_queries, k'), nearest first. Queries go in batches, so that a block of a million
    digits never holds a (queries x digits) matrix at once."""
    batch = max(1, DISTANCES_PER_BATCH // max(1, len(train)))
    if len(queries) > batch:
        parts = [
            _topk(train, ids, queries[s : s + batch], k) for s in range(0, len(queries), batch)
        ]
        return np.concatenate([d for d, _ in parts]), np.concatenate([i for _, i in parts])
    return _topk(train, ids, queries, k)


def _topk(
    train: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    kk = min(k, len(train))
    d = euclidean_distances(queries, train, squared=True)
    if kk < len(train):
        nearest = np.argpartition(d, kk - 1, axis=1)[:, :kk]
    else:
        nearest = np.broadcast_to(np.arange(len(train)), d.shape).copy()
    order = np.argsort(np.take_along_axis(d, nearest, axis=1), axis=1, kind="stable")
    nearest = np.take_along_axis(nearest, order, axis=1)
    return np.take_along_axis(d, nearest, axis=1), ids[nearest]


def merge_topk(parts: list[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest of several blocks' answers to the same queries."""
    distances = np.concatenate([d for d, _ in parts], axis=1)
    ids = np.concatenate([i for _, i in parts], axis=1)
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(distances, order, axis=1), np.take_along_axis(ids, order, axis=1)


def vote(neighbour_ids: np.ndarray, n_clusters: int) -> np.ndarray:
    """Each row's most frequent id; the smallest id wins a tie."""
    rows = np.arange(len(neighbour_ids))[:, None]
    counts = np.zeros((len(neighbour_ids), n_clusters), dtype=np.int64)
    np.add.at(counts, (rows, neighbour_ids), 1)
    return counts.argmax(axis=1)


def predict(blocks: list[tuple[np.ndarray, np.ndarray]], queries: np.ndarray, k: int) -> Any:
    """The cluster of each query from in-memory blocks of (training digits, their ids)."""
    if sum(len(ids) for _, ids in blocks) < k:
        raise ValueError(f"k={k} exceeds the {sum(len(i) for _, i in blocks)} training digits")
    answers = [block_topk(train, ids, queries, k) for train, ids in blocks]
    n_clusters = int(max(ids.max() for _, ids in blocks)) + 1
    return vote(merge_topk(answers, k)[1], n_clusters)


def _shared(queries: np.ndarray) -> Any:
    """The queries once for every block: sent to each worker ahead of the graph where a
    distributed client is running (a 30 MB graph slows its scheduler), else one graph key."""
    import dask

    try:
        from distributed import default_client

        return default_client().scatter(queries, broadcast=True)
    except (ImportError, ValueError):  # ValueError: no client, the local scheduler runs it
        return dask.delayed(queries, pure=True)


def predict_dask(
    train: Any,
    ids: Any,
    queries: np.ndarray,
    k: int,
    on_persisted: Callable[[list], None] = _no_wait,
) -> np.ndarray:
    """The cluster of each query from a Dask array of training digits (chunked by rows only)
    and the Dask array of their ids (chunked alike), on the current Dask scheduler: each block
    is answered where it lives, and only the answers are merged. `on_persisted` hears the
    blocks' answers as they start (distributed futures: a progress bar can wait on them)."""
    import dask

    train_blocks = train.to_delayed().ravel()
    id_blocks = ids.to_delayed().ravel()
    if len(train_blocks) != len(id_blocks):
        raise ValueError("the digits and their ids must be chunked alike, by rows")
    shared = _shared(queries)
    answers = dask.persist(
        *(
            dask.delayed(block_topk, nout=2)(t, i, shared, k)
            for t, i in zip(train_blocks, id_blocks, strict=True)
        )
    )
    on_persisted(list(answers))
    n_clusters = ids.max() + 1
    neighbour_ids, n = dask.compute(dask.delayed(merge_topk, nout=2)(answers, k)[1], n_clusters)
    return vote(neighbour_ids, int(n))


class KNeighborsClassifier:
    """The labelling KNN on Dask arrays, with the interface of scikit-learn's and of
    `cuml.dask.neighbors.KNeighborsClassifier` (the registry's twin on dask-cuda workers):
    `fit` keeps the partitioned training digits where they are, `predict` merges the answers."""

    def __init__(self, n_neighbors: int = 5, on_persisted: Callable[[list], None] = _no_wait):
        self.n_neighbors = n_neighbors
        self.on_persisted = on_persisted

    def fit(self, X: Any, y: Any) -> KNeighborsClassifier:
        """X: a Dask array chunked by rows only; y: the Dask array of its labels, chunked alike."""
        self.X_, self.y_ = X, y.rechunk((X.chunks[0],))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Labels of the queries `X` (a NumPy array or a small Dask array)."""
        queries = np.asarray(X.compute() if hasattr(X, "compute") else X)
        return predict_dask(self.X_, self.y_, queries, self.n_neighbors, self.on_persisted)
