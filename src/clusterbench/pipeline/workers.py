"""The executor on Dask workers: the digits made or read by the workers, the pipeline fitted
there (DistributedClusterThenLabel), the scores computed on the client from the cluster ids,
and the record told which cluster it ran on and what each worker's memory peaked at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from clusterbench.backends import Backend
from clusterbench.data import Split, check_options
from clusterbench.data.on_workers import DATASETS, load_on_workers
from clusterbench.errors import ConfigError
from clusterbench.metrics import clustering_scores
from clusterbench.pipeline.checks import check_distributable, check_split
from clusterbench.pipeline.cluster import connect, workers
from clusterbench.pipeline.config import Loaded, Outcome, RunConfig
from clusterbench.pipeline.gallery_on_workers import build as gallery_on_workers
from clusterbench.pipeline.on_workers import DistributedClusterThenLabel
from clusterbench.progress import Log
from clusterbench.records import DataInfo
from clusterbench.registry import Params


class _HostRows:
    """Rows of a Dask array fetched on indexing: what the silhouette's sample needs, no more."""

    def __init__(self, array: Any, backend: Backend) -> None:
        self._array, self._backend = array, backend

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        return self._backend.to_host(self._array[rows].compute())


class OnWorkers:
    """Runs `config` (its `cluster` set) on the Dask workers it names, on `backend`."""

    def __init__(self, config: RunConfig, backend: Backend, log: Log) -> None:
        self.config, self.backend, self.log = config, backend, log
        self.client: Any = None

    @staticmethod
    def check(config: RunConfig) -> None:
        check_split(config.protocol, config.subsample)
        config.cluster.check()
        if config.dataset not in DATASETS:
            raise ConfigError(
                f"--scheduler runs on --dataset mnist or infimnist (digits the workers can make "
                f"themselves), not {config.dataset}"
            )
        check_options(config.dataset, config.data)

    def check_backend(self) -> None:
        check_distributable(self.config.method, self.backend)

    @property
    def backend_name(self) -> str:
        return f"{self.backend.name}-dask"

    @property
    def backend_reason(self) -> str:
        return f"{self.backend.reason}; on Dask workers ({self.config.cluster.describe()})"

    @contextmanager
    def session(self) -> Iterator[None]:
        with connect(self.config.cluster, self.backend, self.log) as client:
            self.client = client
            yield
            self.client = None

    def load(self) -> Loaded:
        config = self.config
        local = config.cluster.is_local
        data = load_on_workers(config.dataset, config.data, self.client, local, self.log)
        info = DataInfo(
            dataset=data.name,
            fingerprint=data.fingerprint,
            source=data.source,
            protocol="canonical",
            subsample=None,
            seed=config.params.seed,
            n_train=data.n_train,
            n_test=len(data.y_test),
        )
        summary = (
            f"{data.name}, {data.n_train:,} train digits ({data.made_by}) / "
            f"{len(data.y_test):,} test digits, ready"
        )
        split = Split(data.X, data.y, data.X_test, data.y_test, "canonical")
        return Loaded(split, info, summary, data.made_by)

    def model(self, params: Params, progress: Any = None) -> DistributedClusterThenLabel:
        return DistributedClusterThenLabel(
            self.config.method, params, self.backend, self.client, progress
        )

    def outcome(self, model: DistributedClusterThenLabel, loaded: Loaded) -> Outcome:
        """The clustering's scores and gallery from the cluster ids gathered on the client (the
        digits and features stay on the workers), and the cluster the run used."""
        backend, seed = self.backend, self.config.params.seed
        ids = backend.to_host(model.cluster_ids_.compute())
        y_train = loaded.split.y_train.compute()
        scores = clustering_scores(
            Backend("scores on the client"),
            ids,
            y_train,
            _HostRows(model.embedding_, backend),
            seed,
        )
        pictures = gallery_on_workers(
            loaded.split.X_train,
            model.embedding_,
            model.cluster_ids_,
            ids,
            y_train,
            backend.to_host(model.cluster_labels_),
            seed,
        )
        basis = (
            "the worker process's peak resident set (VmHWM), reset at each stage's start"
            if model.worker_peaks_exact_
            else "the worker process's peak resident set since it started (this kernel cannot "
            "reset it per stage)"
        )
        cluster = {
            "scheduler": "local" if self.config.cluster.is_local else self.client.scheduler.address,
            "workers": workers(self.client),
            "digits": loaded.made_by,
            "worker_peak_bytes": model.worker_peaks_,
            "worker_peak_basis": basis,
        }
        return Outcome(scores, pictures, cluster)
