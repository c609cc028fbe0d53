"""Scores of a run: clustering agreement with the truth, and test-set labelling accuracy."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, rand_score

from clusterbench.backends import Backend
from clusterbench.pipeline import ClusterThenLabel
from clusterbench.registry import STEPS

SILHOUETTE_SAMPLE = 5_000  # silhouette is quadratic in the points: score a seeded sample


def clustering_scores(
    backend: Backend, model: ClusterThenLabel, y_train: np.ndarray, seed: int
) -> dict[str, Any]:
    """ARI, NMI, Rand index and silhouette of the training clustering (noise counted as a group)."""
    xp = backend.xp
    ids = model.cluster_ids_.astype(xp.int32)  # cuML's metrics take int32 labels
    y_dev = backend.to_device(y_train.astype(np.int32))
    ari = float(backend.function(STEPS["ari"])(y_dev, ids))
    nmi = float(backend.function(STEPS["nmi"])(y_dev, ids))
    ids_host = backend.to_host(ids)
    clustered = np.flatnonzero(ids_host >= 0)
    silhouette = None
    if len(np.unique(ids_host[clustered])) >= 2:
        rng = np.random.default_rng(seed)
        sample = rng.choice(clustered, size=min(SILHOUETTE_SAMPLE, len(clustered)), replace=False)
        sample_dev = backend.to_device(np.sort(sample))
        silhouette = float(
            backend.function(STEPS["silhouette"])(model.embedding_[sample_dev], ids[sample_dev])
        )
    return {
        "ari": ari,
        "nmi": nmi,
        "rand_index": float(rand_score(y_train, ids_host)),
        "silhouette": silhouette,
        "n_clusters": model.n_clusters_,
        "noise_fraction": float(xp.count_nonzero(ids < 0)) / len(ids_host),
        "train_purity": _purity(ids_host, y_train),
    }


def _purity(ids: np.ndarray, y: np.ndarray) -> float:
    """Fraction of clustered training digits whose cluster's label is their own label."""
    member = ids >= 0
    if not member.any():
        return 0.0
    table = np.zeros((ids[member].max() + 1, y.max() + 1), dtype=np.int64)
    np.add.at(table, (ids[member], y[member]), 1)
    return float(table.max(axis=1).sum() / member.sum())


def labelling_scores(y_test: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict[str, Any]:
    """Test accuracy, accuracy per true class, and the confusion matrix (rows: true labels)."""
    classes = np.arange(max(n_classes, int(y_test.max()) + 1))
    cm = confusion_matrix(y_test, y_pred, labels=classes)
    support = cm.sum(axis=1)
    per_class = {str(c): (float(cm[c, c] / support[c]) if support[c] else None) for c in classes}
    return {
        "test_accuracy": float(np.mean(y_test == y_pred)),
        "per_class_accuracy": per_class,
        "confusion_matrix": cm.tolist(),
    }
