"""The cluster-then-label estimator in one process, for every backend (the same stages on Dask
workers: on_workers.py).

scale to [0, 1] -> PCA -> cluster the training digits -> name each cluster by the majority true
label of its members (a person labelling a cluster at a glance) -> a KNN classifier fitted on
the training pixels (or, with knn_space "pca", their PCA features) with their cluster ids predicts
the cluster, hence the label, of unseen digits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask
import numpy as np

from clusterbench.backends import Backend
from clusterbench.estimators.affinity import connected_knn_affinity
from clusterbench.pipeline.checks import check_found_clusters, check_knn_members
from clusterbench.pipeline.labelling import label_counts, majority_labels
from clusterbench.pipeline.timing import StageTimer
from clusterbench.registry import METHODS, STEPS, Params, resolve
from clusterbench.registry.params import with_pca_for


class ClusterThenLabel:
    """Cluster the training digits, label the clusters, and label new digits through KNN.

    `progress`, if given, hears each stage's name as it starts (a long UMAP shows where it is).
    After `fit`: `cluster_ids_` (per training digit, -1 for noise), `cluster_labels_` (label of
    each cluster), `embedding_` (the clustered features, on the device), `pca_` (the fitted PCA),
    `timings_` (seconds per stage) and, with `track_memory`, `peaks_` (peak bytes per stage: host
    RSS, device memory).
    """

    def __init__(
        self,
        method: str,
        params: Params,
        backend: Backend,
        track_memory: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.method = method
        self.params = resolve(method, params)  # the method's defaults where params leave it open
        self.backend = backend
        self.track_memory = track_memory
        self.progress = progress  # hears each stage's name as it starts

    def _timer(self) -> StageTimer:
        return StageTimer(
            self.backend.synchronize, self.track_memory, self.backend.device_memory, self.progress
        )

    def _scale(self, X: np.ndarray) -> Any:
        return self.backend.to_device(X).astype(self.backend.xp.float32) / 255.0

    def embed(self, X: np.ndarray, timer: StageTimer | None = None) -> tuple[Any, Any]:
        """The points the KNN is fitted on (the scaled pixels on the device, or their PCA
        features with knn_space "pca") and the features that get clustered: PCA, then the
        method's embedding (UMAP) if it has one. A labelling-budget curve computes this once;
        its later models take `pca_` from this one."""
        backend, params = self.backend, with_pca_for(self.params, *X.shape)
        timer = timer or self._timer()
        with timer.stage("transfer"):
            X_dev = self._scale(X)
        with timer.stage("pca"):
            self.pca_ = backend.build(STEPS["pca"], params)
            features = self.pca_.fit_transform(X_dev)
        knn_points = features if params.knn_space == "pca" else X_dev
        embedding = METHODS[self.method].embedding
        if embedding is not None:
            with timer.stage("embed"):
                features = backend.build(STEPS[embedding], params).fit_transform(features)
        return knn_points, features

    def fit(self, X: np.ndarray, y: np.ndarray) -> ClusterThenLabel:
        timer = self._timer()
        knn_points, features = self.embed(X, timer)
        return self.fit_embedded(knn_points, features, y, timer)

    def fit_embedded(
        self,
        knn_points: Any,
        features: Any,
        y: np.ndarray,
        timer: StageTimer | None = None,
        pca: Any = None,
    ) -> ClusterThenLabel:
        """Cluster `features`, label the clusters, and fit the KNN on `knn_points` (as `embed`
        returned them; `pca`: the PCA that embedded them, where another model fitted it)."""
        if pca is not None:
            self.pca_ = pca
        backend, xp, params = self.backend, self.backend.xp, self.params
        timer = timer or self._timer()
        n_classes = int(y.max()) + 1
        with timer.stage("transfer"):
            y_dev = backend.to_device(y)
        row = METHODS[self.method]
        with timer.stage("cluster"):
            points = (
                connected_knn_affinity(backend, features, params)
                if row.connected_affinity
                else features
            )
            with dask.config.set(scheduler="threads"):  # one process, whatever Dask client
                raw = backend.build(row, params).fit_predict(points)  # it holds (dask-ml's)
            ids = xp.asarray(raw).astype(xp.int64)
        n_clusters = int(backend.to_host(ids.max())) + 1 if ids.size else 0
        check_found_clusters(self.method, params, n_clusters)
        member = ids >= 0
        check_knn_members(self.method, params, int(backend.to_host(member.sum())))
        with timer.stage("label"):
            labels = majority_labels(label_counts(xp, ids, y_dev, n_clusters, n_classes))
        with timer.stage("knn"):
            self._knn = backend.build(STEPS["knn"], params).fit(knn_points[member], ids[member])
        self.embedding_ = features
        self.cluster_ids_ = ids
        self.cluster_labels_ = labels
        self.n_clusters_ = n_clusters
        self.n_classes_ = n_classes
        self._timer_of_fit = timer  # predict adds its KNN time (and peak) to the same stage
        self.timings_ = timer.seconds
        self.peaks_ = timer.peaks
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels of new digits: their KNN-predicted cluster, named by that cluster's label."""
        xp = self.backend.xp
        with self._timer_of_fit.stage("knn"):
            points = self._scale(X)
            if self.params.knn_space == "pca":
                points = self.pca_.transform(points)
            clusters = xp.asarray(self._knn.predict(points)).astype(xp.int64)
            labels = self.backend.to_host(self.cluster_labels_[clusters])
        return labels
