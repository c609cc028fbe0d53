"""Scores of a run: clustering agreement with the truth, and test-set labelling accuracy."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, rand_score

from clusterbench.backends import Backend
from clusterbench.registry import STEPS

SILHOUETTE_SAMPLE = 5_000  # silhouette is quadratic in the points: score a seeded sample


def clustering_scores(
    backend: Backend,
    ids: Any,
    y_true: np.ndarray,
    embedding: Any,
    seed: int,
    silhouette: bool = True,
) -> dict[str, Any]:
    """Agreement of cluster ids (device array, -1 for noise) with the true labels.

    ARI, NMI and Rand index count noise as one more group, as scikit-learn users do; the
    silhouette (of `embedding`, on a seeded sample of the clustered points) leaves noise out.
    """
    xp = backend.xp
    ids = ids.astype(xp.int32)  # cuML's metrics take int32 labels
    y_dev = backend.to_device(y_true.astype(np.int32))
    ids_host = backend.to_host(ids)
    clustered = np.flatnonzero(ids_host >= 0)
    n_clusters = int(ids_host.max()) + 1 if clustered.size else 0
    score = None
    if silhouette and n_clusters >= 2:
        rng = np.random.default_rng(seed)
        sample = rng.choice(clustered, size=min(SILHOUETTE_SAMPLE, len(clustered)), replace=False)
        sample_dev = backend.to_device(np.sort(sample))
        score = float(backend.function(STEPS["silhouette"])(embedding[sample_dev], ids[sample_dev]))
    return {
        "ari": float(backend.function(STEPS["ari"])(y_dev, ids)),
        "nmi": float(backend.function(STEPS["nmi"])(y_dev, ids)),
        "rand_index": float(rand_score(y_true, ids_host)),
        "silhouette": score,
        "n_clusters": n_clusters,
        "noise_fraction": float(len(ids_host) - len(clustered)) / len(ids_host),
        "train_purity": _purity(ids_host, y_true),
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
