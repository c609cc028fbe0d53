"""The cluster-then-label estimator on Dask arrays: the stages of estimator.py, each an estimator
from the registry's column for the backend's Dask workers (dask-ml, or cuml.dask).

The digits arrive as uint8 partitions held by the workers (784 bytes a digit). The PCA is fitted
on them unscaled, each partition converted to float32 as the PCA reaches it, so that no float32
copy of all the digits (25 GB at MNIST8M size) ever exists; its features are divided by 255
after, which makes them exactly those of the digits scaled to [0, 1]. They (n x 100 float32)
stay on the workers for the clustering's many passes; where the KNN measures in pixel space each
worker scales its own partitions as the KNN reaches them. Only per-cluster counts, the
clusters' labels and the KNN's (queries x k) answers reach the client; except for a clustering
that takes one in-memory array (cuml.dask's DBSCAN, `Impl.in_memory`), which gets the features
gathered on the client, as cuML documents (it then copies them to every worker).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from clusterbench.backends import Backend
from clusterbench.errors import ConfigError
from clusterbench.pipeline.checks import check_found_clusters, check_knn_members
from clusterbench.pipeline.cluster import WorkerPeaks
from clusterbench.pipeline.labelling import label_counts, majority_labels
from clusterbench.pipeline.timing import StageTimer
from clusterbench.progress import wait_with_progress
from clusterbench.registry import METHODS, STEPS, Params, resolve
from clusterbench.registry.params import with_pca_for


def scaled(block: np.ndarray, xp_name: str) -> Any:
    """A partition of uint8 digits as float32 in [0, 1] on its worker's device."""
    xp = importlib.import_module(xp_name)
    return xp.asarray(block).astype(xp.float32) / 255


def as_float32(block: np.ndarray, xp_name: str) -> Any:
    """A partition of uint8 digits as float32 (0..255) on its worker's device."""
    xp = importlib.import_module(xp_name)
    return xp.asarray(block).astype(xp.float32)


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
        """The uint8 digits as float32 0..255 on each worker's device, partition by partition
        as a step reaches it (cuML's PCA takes floats only)."""
        return X.map_blocks(as_float32, self.backend.xp.__name__, dtype=np.float32)

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
            self.pca_ = backend.build_on_workers(STEPS["pca"], params)
            if hasattr(self.pca_, "on_persisted"):  # ours: a bar over the partitions' sums
                self.pca_.on_persisted = lambda parts: wait_with_progress(parts, "pca")
            self.pca_.fit(self._on_device(X))
            features = self._persist(self._features(X), "pca")
        row = METHODS[self.method]
        with self._stage("cluster"):
            model = backend.build_on_workers(row, params)
            points = features
            if backend.on_workers(row).in_memory:  # the whole array, exact; on the client
                need = features.shape[0] * features.shape[1] * features.dtype.itemsize
                if need > backend.free_memory():
                    raise ConfigError(
                        f"{self.method} on workers takes its {need / 2**30:.1f} GiB of features "
                        f"in one array on the client, more than the "
                        f"{backend.free_memory() / 2**30:.1f} GiB free there; use --subsample N"
                    )
                points = features.compute()  # (a CuPy array on the GPU backend)
            if hasattr(model, "fit_predict"):  # cuml.dask's, dask-ml's spectral
                raw = model.fit_predict(points)
            else:  # dask-ml's KMeans has only fit, and labels_ (lazy)
                raw = model.fit(points).labels_
            if not hasattr(raw, "dask"):  # cuml.dask's DBSCAN: one array, on the client
                raw = da.from_array(raw, chunks=(features.chunks[0],))
            ids = self._persist(raw.astype(np.int64), "cluster")
        n_clusters = int(backend.to_host(ids.max().compute())) + 1
        check_found_clusters(self.method, params, n_clusters)
        n_classes = int(y.max().compute()) + 1
        with self._stage("label"):
            y_dev = y.map_blocks(backend.xp.asarray, dtype=y.dtype)
            counts = backend.to_host(label_counts(da, ids, y_dev, n_clusters, n_classes).compute())
            labels = majority_labels(counts)
        check_knn_members(self.method, params, int(counts.sum()))
        knn_points = features if params.knn_space == "pca" else pixels
        knn_ids = ids
        with self._stage("knn"):
            if row.has_noise:  # the KNN learns the clustered digits only
                member = ids >= 0
                knn_points = knn_points[member].compute_chunk_sizes()
                knn_ids = ids[member].compute_chunk_sizes()
            self._knn = backend.build_on_workers(STEPS["knn"], params)
            if hasattr(self._knn, "on_persisted"):
                self._knn.on_persisted = lambda answers: wait_with_progress(answers, "knn")
            self._knn.fit(knn_points, knn_ids)
        self.embedding_, self.cluster_ids_ = features, ids
        self.cluster_labels_, self.n_clusters_, self.n_classes_ = labels, n_clusters, n_classes
        self.timings_ = self._timer.seconds
        self.peaks_ = self._timer.peaks
        self.worker_peaks_exact_ = self._workers.exact
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
