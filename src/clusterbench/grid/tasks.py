"""What a Dask worker runs: one batch of DBSCAN configurations, fitted by a grid engine.

Engines: `loop` fits scikit-learn's (or cuML's) DBSCAN once per configuration; `sweep` labels
every eps of one min_samples from the shared neighbour graph. Both score with the same function,
so equal labels give equal rows.
"""

from __future__ import annotations

import functools
import socket
import time
from typing import Any

import numpy as np
from sklearn.metrics import silhouette_score

from clusterbench.backends import Backend, select_backend
from clusterbench.metrics import SILHOUETTE_SAMPLE, contingency_scores
from clusterbench.registry import METHODS, Params

SCORES = ("ari", "nmi", "silhouette")
Config = tuple[float, int]


@functools.cache
def worker_backend(name: str) -> Backend:
    """The backend on this worker, chosen once per worker process."""
    return select_backend(name)


_ON_DEVICE: dict[int, tuple[Any, Any]] = {}


def on_device(backend: Backend, X: np.ndarray) -> Any:
    """This worker's device copy of the scattered features: moved once, not once per batch."""
    cached = _ON_DEVICE.get(id(X))
    if cached is None or cached[0] is not X:
        _ON_DEVICE.clear()  # a new grid's features: drop the old copy
        cached = _ON_DEVICE[id(X)] = (X, backend.to_device(X))
    return cached[1]


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


def scored_row(
    config: Config,
    labels: np.ndarray,
    shared: dict[str, Any],
    options: dict[str, Any],
    fit_s: float,
    worker: str,
    fit_on: str,
) -> dict[str, Any]:
    """A finished configuration's row: its scores against the true labels, its fit time, and
    where that time was spent (`fit_on`: "device" for a fit on a GPU, "host" otherwise)."""
    eps, min_samples = config
    row: dict[str, Any] = {"eps": eps, "min_samples": min_samples, "status": "ok"}
    row.update(contingency_scores(shared["y"], labels))
    row["silhouette"] = None
    clustered = np.flatnonzero(labels >= 0)
    if options["score"] == "silhouette" and row["n_clusters"] >= 2:
        rng = np.random.default_rng(options["seed"])
        sample = np.sort(rng.choice(clustered, min(SILHOUETTE_SAMPLE, len(clustered)), False))
        if len(np.unique(labels[sample])) >= 2:
            row["silhouette"] = float(silhouette_score(shared["X"][sample], labels[sample]))
    row["fit_s"] = fit_s
    row["fit_on"] = fit_on
    row["worker"] = worker
    return row


def loop_batch(
    shared: dict[str, Any], configs: list[Config], options: dict[str, Any]
) -> list[dict[str, Any]]:
    """Fit DBSCAN once per configuration; a configuration that raises becomes a failed row."""
    backend = worker_backend(options["backend"])
    worker = _worker_name()
    X_dev = on_device(backend, shared["X"])
    fit_on = "host" if backend.xp is np else "device"
    rows = []
    for eps, min_samples in configs:
        params = Params(
            eps=eps, min_samples=min_samples, seed=options["seed"], n_jobs=options["n_jobs"]
        )
        try:
            start = time.perf_counter()
            raw = backend.build(METHODS["dbscan"], params).fit_predict(X_dev)
            backend.synchronize()
            fit_s = time.perf_counter() - start
            labels = backend.to_host(raw).astype(np.int64)
            row = scored_row((eps, min_samples), labels, shared, options, fit_s, worker, fit_on)
            rows.append(row)
        except Exception as exc:  # e.g. MemoryError at a huge eps: record it, keep going
            rows.append(failed_row(eps, min_samples, f"{type(exc).__name__}: {exc}", worker))
    return rows


def sweep_batch(
    shared: dict[str, Any], configs: list[Config], options: dict[str, Any]
) -> list[dict[str, Any]]:
    """Label every eps of one min_samples from the neighbour graph (fit_s: the sweep's time
    shared out over its configurations, on the host whatever the backend)."""
    from clusterbench.grid.sweep import sweep

    worker = _worker_name()
    (min_samples,) = {m for _, m in configs}
    eps = [e for e, _ in configs]
    start = time.perf_counter()
    try:
        by_eps = sweep(shared["graph"], min_samples, eps)
    except Exception as exc:
        return [failed_row(e, m, f"{type(exc).__name__}: {exc}", worker) for e, m in configs]
    fit_s = (time.perf_counter() - start) / len(configs)
    return [
        scored_row(
            (e, min_samples), by_eps[e].astype(np.int64), shared, options, fit_s, worker, "host"
        )
        for e in eps
    ]
