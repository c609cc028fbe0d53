"""The KNN over partitions: the same labels as scikit-learn's single-process KNN, but where two
training digits lie at exactly the k-th distance; on Dask blocks as in memory."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from clusterbench.data import DataOptions, load_dataset, make_split
from clusterbench.estimators import partitioned_knn

K = 50


@pytest.fixture(scope="module")
def digits(mnist_dir):
    split = make_split(load_dataset("mnist", DataOptions(mnist_dir)), "canonical", 137, 5000)
    train = split.X_train.astype(np.float32) / 255
    queries = split.X_test[:600].astype(np.float32) / 255
    return train, split.y_train, queries


def _blocks(train, ids, bounds):
    edges = [0, *bounds, len(train)]
    return [(train[a:b], ids[a:b]) for a, b in zip(edges, edges[1:], strict=False)]


def test_partitions_label_as_the_single_process_knn_but_for_ties(digits):
    train, ids, queries = digits
    reference = KNeighborsClassifier(K, algorithm="brute").fit(train, ids)
    ours = partitioned_knn.predict(_blocks(train, ids, [30, 1700, 3100]), queries, K)  # 30 < K
    expected = reference.predict(queries)
    differ = np.flatnonzero(ours != expected)
    if differ.size:  # a different label needs a different neighbour set: a tie at the k-th
        distances, _ = reference.kneighbors(queries[differ], K + 1)
        assert np.all(distances[:, K - 1] == distances[:, K]), differ
    assert len(differ) <= 0.01 * len(queries)
    assert np.mean(ours == expected) > 0.99


def test_on_dask_blocks_as_in_memory(digits):
    import dask.array as da
    from distributed import Client, LocalCluster

    train, ids, queries = digits
    in_memory = partitioned_knn.predict(_blocks(train, ids, [1250, 2500, 3750]), queries, K)
    cluster = LocalCluster(n_workers=2, processes=False, dashboard_address=":0")
    with cluster, Client(cluster):
        dask_train = da.from_array(train, chunks=(1250, train.shape[1]))
        dask_ids = da.from_array(ids, chunks=1250)
        on_dask = partitioned_knn.predict_dask(dask_train, dask_ids, queries, K)
    assert np.array_equal(on_dask, in_memory)


def test_the_vote_takes_the_smallest_id_on_a_tie():
    votes = np.array([[2, 1, 2, 1], [3, 3, 0, 1]])
    assert partitioned_knn.vote(votes, 4).tolist() == [1, 3]
