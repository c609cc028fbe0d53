"""One benchmark run: load, split, fit and predict on a backend, score, and build the record."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from clusterbench.backends import select_backend
from clusterbench.data import (
    DataOptions,
    Split,
    check_options,
    default_protocol,
    load_dataset,
    make_split,
)
from clusterbench.errors import ConfigError
from clusterbench.metrics import clustering_scores, labelling_scores
from clusterbench.pipeline import gallery
from clusterbench.pipeline.cluster import ClusterSpec
from clusterbench.pipeline.estimator import ClusterThenLabel
from clusterbench.progress import Log, stderr_log
from clusterbench.records import DataInfo, Environment, RunRecord, StageTimes, Timing
from clusterbench.registry import METHODS, Params, method_params, resolve
from clusterbench.registry.params import DEFAULT_PCA, with_pca_for


@dataclass(frozen=True)
class RunConfig:
    dataset: str = "mnist"
    data: DataOptions = field(default_factory=DataOptions)
    protocol: str | None = None  # None: the dataset's default protocol
    subsample: int | None = None
    method: str = "spectral"
    params: Params = field(default_factory=Params)
    backend: str = "auto"
    repeat: int = 1
    expected_fingerprint: str | None = None  # e.g. the data a grid file was computed on
    cluster: ClusterSpec | None = None  # None: in this process; else on Dask workers


def _timed_fit_predict(model: ClusterThenLabel, split: Any) -> tuple[Any, StageTimes]:
    start = time.perf_counter()
    model.fit(split.X_train, split.y_train)
    y_pred = model.predict(split.X_test)
    model.backend.synchronize()
    return y_pred, StageTimes(dict(model.timings_), time.perf_counter() - start)


def fit_params(params: Params, split: Split, method: str, log: Log) -> Params:
    """`params` decided for this data (the PCA and KNN defaults filled in), or ConfigError for
    a value the data cannot support, before any work starts."""
    n_features = split.X_train.shape[1]
    limit = min(split.n_train, n_features)
    if params.n_components is None:
        params = with_pca_for(params, split.n_train, n_features)
        if params.n_components < DEFAULT_PCA:
            log(f"PCA: {params.n_components} components, all the data has (default {DEFAULT_PCA})")
    elif params.n_components > limit:
        raise ConfigError(
            f"--pca {params.n_components} exceeds what the data allows ({split.n_train} training "
            f"digits of {n_features} pixels); use --pca {limit} or fewer"
        )
    params = resolve(method, params)
    row = METHODS[method]
    counts = {"--knn": params.knn}
    if "n_clusters" in row.params:
        counts["--clusters"] = params.n_clusters
    if "n_neighbors" in row.params:
        counts["--neighbors"] = params.n_neighbors
    if "min_cluster_size" in row.params:
        counts["--min-cluster-size"] = params.min_cluster_size
    if "nystrom_samples" in row.params:
        counts["--nystrom-samples"] = params.nystrom_samples
    for option, value in counts.items():
        if value > split.n_train:
            raise ConfigError(f"{option} {value} exceeds the {split.n_train} training digits")
    if row.embedding == "umap":
        if params.umap_components > params.n_components:
            raise ConfigError(
                f"--umap-components {params.umap_components} exceeds the {params.n_components} "
                "PCA components UMAP embeds; an embedding is smaller than its input"
            )
        for option, value in (
            ("--umap-components", params.umap_components),
            ("--umap-neighbors", params.umap_neighbors),
        ):
            if value >= split.n_train:
                raise ConfigError(
                    f"{option} {value} needs more than the {split.n_train} training digits"
                )
    return params


def run(config: RunConfig, log: Log = stderr_log) -> RunRecord:
    """Run the pipeline `config.repeat` times on one load of the data; return the result record.

    The first run is the cold one, the others are warm; every run's memory is measured alike
    (the same overhead), and the record keeps the cold run's peaks per stage.
    """
    if config.cluster is not None:
        from clusterbench.pipeline.run_on_workers import run_on_workers

        return run_on_workers(config, log)
    config.params.check()
    check_options(config.dataset, config.data)
    backend = select_backend(config.backend)
    METHODS[config.method].on(backend.column)  # a method this backend lacks: refused now
    log(f"backend: {backend.name} ({backend.reason})")
    environment = Environment.collect(backend)  # before the work: the code as it starts
    start = time.perf_counter()
    dataset = load_dataset(config.dataset, config.data, log)
    if config.expected_fingerprint not in (None, dataset.fingerprint):
        raise ConfigError(
            f"{dataset.name} from {dataset.source} is not the data the grid was computed on"
        )
    protocol = config.protocol or default_protocol(dataset)
    split = make_split(dataset, protocol, config.params.seed, config.subsample)
    params = fit_params(config.params, split, config.method, log)
    load_s = time.perf_counter() - start
    log(
        f"data: {dataset.name} ({protocol}), {split.n_train} train / {split.n_test} test digits, "
        f"loaded in {load_s:.1f} s"
    )
    model = ClusterThenLabel(
        config.method, params, backend, True, lambda stage: log(f"cold run: {stage} ...")
    )
    y_pred, cold = _timed_fit_predict(model, split)
    log(f"cold run: done in {cold.total_s:.1f} s")
    warm = []
    for i in range(1, config.repeat):
        _, times = _timed_fit_predict(  # sampled like the cold run: the same overhead
            ClusterThenLabel(config.method, params, backend, track_memory=True), split
        )
        log(f"warm run {i}/{config.repeat - 1}: done in {times.total_s:.1f} s")
        warm.append(times)
    metrics = {
        **labelling_scores(split.y_test, y_pred, model.n_classes_),
        **clustering_scores(
            backend, model.cluster_ids_, split.y_train, model.embedding_, config.params.seed
        ),
    }
    return RunRecord(
        data=data_info(dataset, protocol, config, split),
        backend=backend.name,
        backend_reason=backend.reason,
        method=config.method,
        params=method_params(config.method, params),
        metrics=metrics,
        timing=Timing(load_s, cold, warm),
        memory=model.peaks_,
        environment=environment,
        implementations=dict(backend.implementations),
        solvers=dict(backend.solvers),
        gallery=gallery.build(
            split.X_train,
            backend.to_host(model.embedding_),
            backend.to_host(model.cluster_ids_),
            split.y_train,
            backend.to_host(model.cluster_labels_),
            config.params.seed,
        ),
    )


def data_info(dataset: Any, protocol: str, config: RunConfig, split: Split) -> DataInfo:
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
