"""One distributed run: connect, put the digits on the workers, fit and predict there, score on
the client, and build the record (a run record with the cluster it ran on)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from clusterbench.backends import Backend, select_backend
from clusterbench.data import Split
from clusterbench.data.datasets import check_options
from clusterbench.data.on_workers import DATASETS, load_on_workers
from clusterbench.errors import BackendError, ConfigError
from clusterbench.metrics import clustering_scores, labelling_scores
from clusterbench.pipeline.cluster import connect, workers
from clusterbench.pipeline.gallery_on_workers import build as gallery_on_workers
from clusterbench.pipeline.on_workers import DistributedClusterThenLabel
from clusterbench.progress import Log
from clusterbench.records import DataInfo, Environment, RunRecord, StageTimes, Timing
from clusterbench.registry import METHODS, STEPS, method_params

LIBRARIES = {"dask": "dask-ml", "dask_gpu": "cuml.dask"}


def check_distributable(method: str, backend: Backend) -> None:
    """Refuse, in one line, a method or backend with no implementation on Dask workers."""
    if backend.dask_column is None:
        raise BackendError(
            f"--backend {backend.name} runs in one process; with --scheduler use --backend cpu "
            "(dask-ml) or gpu (cuml.dask on dask-cuda workers)"
        )
    row = METHODS[method]
    library = LIBRARIES[backend.dask_column]
    if row.embedding is not None:
        raise ConfigError(
            f"--method {method} has no distributed implementation: its {row.embedding} fit "
            "needs all digits in one process; run it without --scheduler"
        )
    for pair in (STEPS["pca"], row, STEPS["knn"]):
        if backend.on_workers(pair) is None:
            raise ConfigError(
                f"--method {method} has no distributed implementation on {backend.name} workers "
                f"(no {library} {pair.name} in the registry); run it without --scheduler"
            )


class _HostRows:
    """Rows of a Dask array fetched on indexing: what the silhouette's sample needs, no more."""

    def __init__(self, array: Any, backend: Backend) -> None:
        self._array, self._backend = array, backend

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        return self._backend.to_host(self._array[rows].compute())


def _timed(model: DistributedClusterThenLabel, X: Any, y: Any, X_test: np.ndarray) -> Any:
    start = time.perf_counter()
    model.fit(X, y)
    y_pred = model.predict(X_test)
    return y_pred, StageTimes(dict(model.timings_), time.perf_counter() - start)


def check_split(protocol: str | None, subsample: int | None) -> None:
    """On Dask workers only the canonical split of all the training digits runs."""
    if protocol not in (None, "canonical") or subsample is not None:
        raise ConfigError(
            "on Dask workers the pipeline runs the canonical split on all training digits (no "
            "--protocol seed, no --subsample; --dataset infimnist --n-train N sets the size)"
        )


def run_on_workers(config: Any, log: Log) -> RunRecord:
    """`config` (a RunConfig with `cluster` set) on Dask workers."""
    check_split(config.protocol, config.subsample)
    config.cluster.check()
    if config.dataset not in DATASETS:
        raise ConfigError(
            f"--scheduler runs on --dataset mnist or infimnist (digits the workers can make "
            f"themselves), not {config.dataset}"
        )
    check_options(config.dataset, config.data)
    config.params.check()
    backend = select_backend(config.backend)
    check_distributable(config.method, backend)
    log(f"backend: {backend.name} on Dask workers ({backend.reason})")
    environment = Environment.collect(backend)
    from clusterbench.pipeline.run import fit_params

    with connect(config.cluster, backend, log) as client:
        start = time.perf_counter()
        data = load_on_workers(config.dataset, config.data, client, config.cluster.is_local, log)
        if config.expected_fingerprint not in (None, data.fingerprint):
            raise ConfigError(f"{data.name} is not the data the grid was computed on")
        split = Split(data.X, data.y, data.X_test, data.y_test, "canonical")
        params = fit_params(config.params, split, config.method, log)
        load_s = time.perf_counter() - start
        log(
            f"data: {data.name}, {data.n_train:,} train digits ({data.made_by}) / "
            f"{len(data.y_test):,} test digits, ready in {load_s:.1f} s"
        )
        model = DistributedClusterThenLabel(
            config.method, params, backend, client, lambda s: log(f"cold run: {s} ...")
        )
        y_pred, cold = _timed(model, data.X, data.y, data.X_test)
        log(f"cold run: done in {cold.total_s:.1f} s")
        ids = backend.to_host(model.cluster_ids_.compute())
        y_train = data.y.compute()
        metrics = {
            **labelling_scores(data.y_test, y_pred, model.n_classes_),
            **clustering_scores(
                Backend("scores on the client"),
                ids,
                y_train,
                _HostRows(model.embedding_, backend),
                config.params.seed,
            ),
        }
        pictures = gallery_on_workers(
            data.X,
            model.embedding_,
            model.cluster_ids_,
            ids,
            y_train,
            backend.to_host(model.cluster_labels_),
            config.params.seed,
        )
        cluster = {
            "scheduler": "local" if config.cluster.is_local else client.scheduler.address,
            "workers": workers(client),
            "digits": data.made_by,
            "worker_peak_bytes": model.worker_peaks_,
            "worker_peak_basis": "the worker process's peak resident set (VmHWM), reset at "
            "each stage's start"
            if model.worker_peaks_exact_
            else "the worker process's peak "
            "resident set since it started (this kernel cannot reset it per stage)",
        }
        memory = model.peaks_
        del model  # its arrays leave the workers: a warm run computes its own, not these
        warm = []
        for i in range(1, config.repeat):
            again = DistributedClusterThenLabel(config.method, params, backend, client)
            warm.append(_timed(again, data.X, data.y, data.X_test)[1])
            del again
            log(f"warm run {i}/{config.repeat - 1}: done in {warm[-1].total_s:.1f} s")
    return RunRecord(
        data=DataInfo(
            dataset=data.name,
            fingerprint=data.fingerprint,
            source=data.source,
            protocol="canonical",
            subsample=None,
            seed=config.params.seed,
            n_train=data.n_train,
            n_test=len(data.y_test),
        ),
        backend=f"{backend.name}-dask",
        backend_reason=f"{backend.reason}; on Dask workers ({config.cluster.describe()})",
        method=config.method,
        params=method_params(config.method, params),
        metrics=metrics,
        timing=Timing(load_s, cold, warm),
        memory=memory,
        environment=environment,
        implementations=dict(backend.implementations),
        solvers=dict(backend.solvers),
        cluster=cluster,
        gallery=pictures,
    )
