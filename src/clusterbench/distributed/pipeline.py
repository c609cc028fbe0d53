"""The cluster-then-label pipeline on Dask arrays: the stages of pipeline.py, each an estimator
from the registry's column for the backend's Dask workers (dask-ml, or cuml.dask).

The digits arrive as uint8 partitions held by the workers (784 bytes a digit). The PCA is fitted
on them as they are (each partition converts its own), so that no scaled float32 copy of all the
digits (25 GB at MNIST8M size) ever exists; its features are divided by 255 after, which makes
them exactly those of the digits scaled to [0, 1]. They (n x 100 float32)
stay on the workers for the clustering's many passes; where the KNN measures in pixel space each
worker scales its own partitions as the KNN reaches them. Only per-cluster counts, the
clusters' labels and the KNN's (queries x k) answers reach the client.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from clusterbench.backends import Backend
from clusterbench.distributed.cluster import WorkerPeaks
from clusterbench.errors import NoClusterError
from clusterbench.params import with_pca_for
from clusterbench.progress import progress_bar
from clusterbench.registry import METHODS, STEPS, Params, resolve
from clusterbench.timing import StageTimer


def scaled(block: np.ndarray, xp_name: str) -> Any:
    """A partition of uint8 digits as float32 in [0, 1] on its worker's device."""
    xp = importlib.import_module(xp_name)
    return xp.asarray(block).astype(xp.float32) / 255


def wait_with_progress(futures: list, what: str) -> None:
    """Wait for distributed futures, with a bar on a terminal (the dashboard shows more)."""
    from distributed import as_completed, futures_of

    pending = [f for item in futures for f in futures_of(item)]
    with progress_bar(len(pending), what, "partition") as bar:
        for _ in as_completed(pending):
            bar.update(1)


class DistributedClusterThenLabel:
    """ClusterThenLabel on Dask arrays partitioned over the workers of `client`.

    After `fit`: `cluster_ids_` (a Dask array), `cluster_labels_` (host), `embedding_` (the
    clustered features, a Dask array), `pca_`, `timings_`, `peaks_` (the client's) and
    `worker_peaks_` (per stage, each worker's peak resident bytes)."""

    def __init__(
        self,
        method: str,
        params: Params,
        backend: Backend,
        client: Any,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.method = method
        self.params = resolve(method, params)
        self.backend = backend
        self.client = client
        self.progress = progress

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        self._workers.start()
        with self._timer.stage(name):
            yield
        peaks = self._workers.read()
        old = self.worker_peaks_.get(name, {})
        self.worker_peaks_[name] = {w: max(b, old.get(w, b)) for w, b in peaks.items()}

    def _persist(self, array: Any, what: str) -> Any:
        array = array.persist()
        wait_with_progress([array], what)
        return array

    def _on_device(self, X: Any) -> Any:
        return X.map_blocks(self.backend.xp.asarray, dtype=X.dtype)

    def _features(self, X: Any) -> Any:
        """The PCA features of uint8 digits: those of the digits scaled to [0, 1] (PCA of X
        and of X / 255 have the same components; the features differ by that factor)."""
        return (self.pca_.transform(self._on_device(X)) / 255).astype(np.float32)

    def fit(self, X: Any, y: Any) -> DistributedClusterThenLabel:
        """X: uint8 digits as a Dask array chunked by rows; y: their labels, chunked alike."""
        import dask.array as da

        backend, params = self.backend, with_pca_for(self.params, *X.shape)
        self.params = params
        self._timer = StageTimer(lambda: None, True, None, self.progress)
        self._workers = WorkerPeaks(self.client)
        self.worker_peaks_: dict[str, dict[str, int]] = {}
        xp_name = backend.xp.__name__
        pixels = X.map_blocks(scaled, xp_name, dtype=np.float32)
        with self._stage("pca"):
            self.pca_ = backend.build_on_workers(STEPS["pca"], params).fit(self._on_device(X))
            features = self._persist(self._features(X), "pca")
        row = METHODS[self.method]
        with self._stage("cluster"):
            model = backend.build_on_workers(row, params)
            if hasattr(model, "fit_predict"):  # cuml.dask's
                raw = model.fit_predict(features)
            else:  # dask-ml's KMeans has only fit, and labels_ (lazy)
                raw = model.fit(features).labels_
            ids = self._persist(raw.astype(np.int64), "cluster")
        n_clusters = int(backend.to_host(ids.max().compute())) + 1
        if n_clusters <= 0:
            raise NoClusterError(f"{self.method} found no cluster: every training digit is noise")
        n_classes = int(y.max().compute()) + 1
        with self._stage("label"):  # noise (-1) is group 0, dropped
            groups = (ids + 1) * n_classes + y.map_blocks(backend.xp.asarray, dtype=y.dtype)
            counts = da.bincount(groups, minlength=(n_clusters + 1) * n_classes).compute()
            counts = backend.to_host(counts).reshape(n_clusters + 1, n_classes)[1:]
            labels = counts.argmax(axis=1)
        knn_points = features if params.knn_space == "pca" else pixels
        if row.has_noise:  # the KNN learns the clustered digits only
            member = ids >= 0
            knn_points = knn_points[member].compute_chunk_sizes()
            knn_ids = ids[member].compute_chunk_sizes()
        else:
            knn_ids = ids
        with self._stage("knn"):
            self._knn = backend.build_on_workers(STEPS["knn"], params)
            if hasattr(self._knn, "on_persisted"):
                self._knn.on_persisted = lambda answers: wait_with_progress(answers, "knn")
            self._knn.fit(knn_points, knn_ids)
        self.embedding_, self.cluster_ids_ = features, ids
        self.cluster_labels_, self.n_clusters_, self.n_classes_ = labels, n_clusters, n_classes
        self.timings_ = self._timer.seconds
        self.peaks_ = self._timer.peaks
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels of the test digits (in memory): their KNN cluster's label."""
        import dask.array as da

        with self._stage("knn"):
            digits = da.from_array(X, chunks=X.shape)
            if self.params.knn_space == "pca":
                queries = self._features(digits)
            else:
                queries = digits.map_blocks(scaled, self.backend.xp.__name__, dtype=np.float32)
            clusters = self._knn.predict(queries)
            if hasattr(clusters, "compute"):
                clusters = clusters.compute()
            clusters = self.backend.to_host(clusters).astype(np.int64)
        self.timings_ = self._timer.seconds
        return self.cluster_labels_[clusters]
