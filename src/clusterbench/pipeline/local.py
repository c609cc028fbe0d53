"""The in-process executor: the digits loaded and split in this process, the pipeline fitted
here (ClusterThenLabel), and its scores and gallery computed from arrays in memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from clusterbench.backends import Backend
from clusterbench.data import check_options, default_protocol, load_dataset, make_split
from clusterbench.metrics import clustering_scores
from clusterbench.pipeline import gallery
from clusterbench.pipeline.config import Loaded, Outcome, RunConfig
from clusterbench.pipeline.estimator import ClusterThenLabel
from clusterbench.progress import Log
from clusterbench.records import DataInfo
from clusterbench.registry import METHODS, Params


def data_info(dataset: Any, protocol: str, config: Any, split: Any) -> DataInfo:
    """What a record says of the data a run (or a labelling-budget curve) used."""
    return DataInfo(
        dataset=dataset.name,
        fingerprint=dataset.fingerprint,
        source=str(dataset.source),
        protocol=protocol,
        subsample=config.subsample,
        seed=config.params.seed,
        n_train=split.n_train,
        n_test=split.n_test,
    )


class InProcess:
    """Runs `config` in this process on `backend`."""

    def __init__(self, config: RunConfig, backend: Backend, log: Log) -> None:
        self.config, self.backend, self.log = config, backend, log

    @staticmethod
    def check(config: RunConfig) -> None:
        check_options(config.dataset, config.data)

    def check_backend(self) -> None:
        METHODS[self.config.method].on(self.backend.column)  # a method it lacks: refused now

    @property
    def backend_name(self) -> str:
        return self.backend.name

    @property
    def backend_reason(self) -> str:
        return self.backend.reason

    @contextmanager
    def session(self) -> Iterator[None]:
        yield  # nothing to connect to

    def load(self) -> Loaded:
        config = self.config
        dataset = load_dataset(config.dataset, config.data, self.log)
        protocol = config.protocol or default_protocol(dataset)
        split = make_split(dataset, protocol, config.params.seed, config.subsample)
        summary = (
            f"{dataset.name} ({protocol}), {split.n_train} train / {split.n_test} test digits, "
            "loaded"
        )
        return Loaded(split, data_info(dataset, protocol, config, split), summary)

    def model(self, params: Params, progress: Any = None) -> ClusterThenLabel:
        return ClusterThenLabel(self.config.method, params, self.backend, True, progress)

    def outcome(self, model: ClusterThenLabel, loaded: Loaded) -> Outcome:
        """The clustering's scores and gallery, from the arrays in memory."""
        backend, split, seed = self.backend, loaded.split, self.config.params.seed
        ids, embedding = model.cluster_ids_, model.embedding_
        scores = clustering_scores(backend, ids, split.y_train, embedding, seed)
        to_host = backend.to_host
        pictures = gallery.build(
            split.X_train,
            to_host(embedding),
            to_host(ids),
            split.y_train,
            to_host(model.cluster_labels_),
            seed,
        )
        return Outcome(scores, pictures, None)  # no Dask cluster
