"""Naming clusters: each cluster's label is the most frequent true label among its training
digits (a person labelling a cluster at a glance), noise left out. Written once for NumPy, CuPy
and Dask arrays."""

from __future__ import annotations

from typing import Any

from clusterbench.metrics import contingency


def label_counts(xp: Any, ids: Any, y: Any, n_clusters: int, n_classes: int) -> Any:
    """[k, c]: how many training digits of cluster k have label c (ids -1, noise, left out)."""
    return contingency(xp, ids + 1, y, n_clusters + 1, n_classes)[1:]


def majority_labels(counts: Any) -> Any:
    """Each cluster's label: the most frequent one among its digits (`label_counts`' rows)."""
    return counts.argmax(axis=1)
