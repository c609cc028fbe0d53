"""Exact PCA of digits partitioned over Dask workers, in one pass, never gathering them.

Each partition contributes its row count, column sums and Gram matrix (784 x 784, float64); their
sums give the covariance, whose leading eigenvectors are the components: scikit-learn's
"covariance_eigh" solver, the one it picks for MNIST's shape, computed partition by partition.

Why not dask-ml's PCA: dask-ml 2025.1 computes `delayed(lambda x: x.shape)(X)` of the centred
array, which gathers all of it into one task (50 GB of float64 at MNIST8M size), and its
randomized solver fails on scikit-learn 1.9's estimator tags. Its interface is kept: `fit`,
`transform`, `components_`, `mean_`, `explained_variance_`, `explained_variance_ratio_`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def moments(block: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """A partition's row count, column sums and Gram matrix, in float64 (a worker's task)."""
    x = np.asarray(block, dtype=np.float64)
    return len(x), x.sum(axis=0), x.T @ x


def add(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def projected(block: Any, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """A partition's PCA features (float64 arithmetic, as scikit-learn's on float64 input)."""
    return (np.asarray(block, dtype=np.float64) - mean) @ components.T


class PCA:
    """Exact PCA over the partitions of a Dask array chunked by rows."""

    def __init__(self, n_components: int) -> None:
        self.n_components = n_components
        self.on_persisted: Callable[[list], None] = lambda parts: None  # hears the partitions

    def fit(self, X: Any) -> PCA:
        import dask

        parts = list(dask.persist(*(dask.delayed(moments)(b) for b in X.to_delayed().ravel())))
        self.on_persisted(parts)
        while len(parts) > 1:  # a tree of sums: no task holds more than two partitions' sums
            pairs = [dask.delayed(add)(a, b) for a, b in zip(parts[::2], parts[1::2], strict=False)]
            parts = pairs + ([parts[-1]] if len(parts) % 2 else [])
        n, sums, gram = dask.compute(parts[0])[0]
        self.n_samples_ = n
        self.mean_ = sums / n
        covariance = (gram - n * np.outer(self.mean_, self.mean_)) / (n - 1)
        values, vectors = np.linalg.eigh(covariance)
        order = np.argsort(values)[::-1]
        values, vectors = np.clip(values[order], 0, None), vectors[:, order].T
        signs = np.sign(vectors[np.arange(len(vectors)), np.abs(vectors).argmax(axis=1)])
        vectors *= np.where(signs == 0, 1, signs)[:, None]  # scikit-learn's svd_flip on rows
        k = self.n_components
        self.components_ = vectors[:k]
        self.explained_variance_ = values[:k]
        self.explained_variance_ratio_ = values[:k] / values.sum()
        self.singular_values_ = np.sqrt(values[:k] * (n - 1))
        return self

    def transform(self, X: Any) -> Any:
        """The features of X (a Dask array chunked by rows), lazily, partition by partition."""
        k = self.components_.shape[0]
        return X.map_blocks(
            projected,
            self.mean_,
            self.components_,
            dtype=np.float64,
            chunks=(X.chunks[0], (k,)),
        )
