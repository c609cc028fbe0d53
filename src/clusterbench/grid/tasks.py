"""What a Dask worker runs: a batch of DBSCAN configurations on the scattered PCA data."""

from __future__ import annotations

import functools
import socket
import time
from typing import Any

import numpy as np

from clusterbench.backends import Backend, select_backend
from clusterbench.metrics import clustering_scores
from clusterbench.registry import METHODS, Params

SCORES = ("ari", "nmi", "silhouette")


@functools.cache
def worker_backend(name: str) -> Backend:
    """The backend on this worker, chosen once per worker process."""
    return select_backend(name)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except ValueError:  # not inside a Dask worker (a direct call)
        return socket.gethostname()


def failed_row(eps: float, min_samples: int, reason: str, worker: str) -> dict[str, Any]:
    return {
        "eps": eps,
        "min_samples": min_samples,
        "status": "failed",
        "reason": reason,
        "worker": worker,
    }


def fit_batch(
    X: np.ndarray,
    y: np.ndarray,
    configs: list[tuple[float, int]],
    backend_name: str,
    score: str,
    seed: int,
    n_jobs: int,
) -> list[dict[str, Any]]:
    """Fit DBSCAN once per configuration; a configuration that raises becomes a failed row."""
    backend = worker_backend(backend_name)
    worker = _worker_name()
    X_dev = backend.to_device(X)
    rows = []
    for eps, min_samples in configs:
        params = Params(eps=eps, min_samples=min_samples, seed=seed, n_jobs=n_jobs)
        try:
            start = time.perf_counter()
            raw = backend.build(METHODS["dbscan"], params).fit_predict(X_dev)
            backend.synchronize()
            fit_s = time.perf_counter() - start
            ids = backend.xp.asarray(raw)
            scores = clustering_scores(
                backend, ids, y, X_dev, seed, silhouette=score == "silhouette"
            )
        except Exception as exc:  # e.g. MemoryError at a huge eps: record it, keep going
            rows.append(failed_row(eps, min_samples, f"{type(exc).__name__}: {exc}", worker))
            continue
        rows.append(
            {
                "eps": eps,
                "min_samples": min_samples,
                "status": "ok",
                **scores,
                "fit_s": fit_s,
                "worker": worker,
            }
        )
    return rows
