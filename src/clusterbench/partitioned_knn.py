"""The labelling KNN over partitions of the training digits: exact, and never gathered.

Each partition answers every query with its own k nearest training digits (squared distances and
cluster ids); the global k nearest are among the union of those, so merging the partitions'
answers by distance gives the single-process KNN's neighbours, up to the order of points at
exactly equal distance. The vote is a plain majority with the smallest cluster id winning a tie,
as scikit-learn's KNeighborsClassifier(weights="uniform") decides. With Dask, the partitions are
a Dask array's blocks, each answered where it lives; only (queries x k) answers travel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics.pairwise import euclidean_distances


def block_topk(
    train: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each query's nearest min(k, len(train)) digits of this block: (squared distances, ids),
    both (n_queries, k'), nearest first."""
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


def predict_dask(train: Any, ids: Any, queries: np.ndarray, k: int) -> np.ndarray:
    """The cluster of each query from a Dask array of training digits (chunked by rows only)
    and the Dask array of their ids (chunked alike), on the current Dask scheduler: each block
    is answered where it lives, and only the answers are merged."""
    import dask

    train_blocks = train.to_delayed().ravel()
    id_blocks = ids.to_delayed().ravel()
    if len(train_blocks) != len(id_blocks):
        raise ValueError("the digits and their ids must be chunked alike, by rows")
    answers = [
        dask.delayed(block_topk, nout=2)(t, i, queries, k)
        for t, i in zip(train_blocks, id_blocks, strict=True)
    ]
    n_clusters = ids.max() + 1
    neighbour_ids, n = dask.compute(dask.delayed(merge_topk, nout=2)(answers, k)[1], n_clusters)
    return vote(neighbour_ids, int(n))
