"""The cluster gallery of a run on Dask workers: each digit's distance to its cluster's centre
is computed where its features are, and only the chosen digits' pixels reach the client."""

from __future__ import annotations

from typing import Any

import numpy as np

from clusterbench.pipeline import gallery


def _host(block: Any) -> np.ndarray:
    """A partition on the host (a CuPy partition of dask-cuda workers copied back)."""
    return block.get() if hasattr(block, "get") else np.asarray(block)


def _sums(features: Any, ids: Any, n_clusters: int) -> np.ndarray:
    return gallery.cluster_sums(_host(features), _host(ids), n_clusters)


def _distances(features: Any, ids: Any, centres: np.ndarray) -> np.ndarray:
    return gallery.distances_to(_host(features), _host(ids), centres)


def build(
    X: Any,
    features: Any,
    ids: Any,
    host_ids: np.ndarray,
    y: np.ndarray,
    cluster_labels: np.ndarray,
    seed: int,
) -> dict[str, Any] | None:
    """gallery.build for digits `X` and `features` (Dask arrays on the workers) clustered into
    `ids` (a Dask array; `host_ids` the same on the client)."""
    import dask

    n_clusters = len(cluster_labels)
    features = features.rechunk({1: -1})
    pairs = list(
        zip(
            features.to_delayed().ravel(),
            ids.rechunk((features.chunks[0],)).to_delayed().ravel(),
            strict=True,
        )
    )
    totals = sum(dask.compute(*[dask.delayed(_sums)(f, i, n_clusters) for f, i in pairs]))
    centres = gallery.centres_of(totals)
    parts = dask.compute(*[dask.delayed(_distances)(f, i, centres) for f, i in pairs])
    return gallery.build_from(
        lambda rows: _host(X[rows].compute()),
        X.shape[1],
        np.concatenate(parts),
        host_ids,
        y,
        cluster_labels,
        seed,
    )
