"""Run a DBSCAN grid on a Dask cluster: local CPU workers, dask-cuda workers, or a scheduler."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from clusterbench.backends import Backend, select_backend
from clusterbench.data import DataOptions, check_options, load_dataset, make_split
from clusterbench.errors import ConfigError
from clusterbench.grid.cluster import MAX_OVERSUBSCRIPTION, dask_client, remote
from clusterbench.grid.engines import ENGINES
from clusterbench.grid.spec import GridSpec
from clusterbench.grid.summary import heatmap
from clusterbench.grid.tasks import SCORES, Config, failed_row
from clusterbench.pipeline.cluster import ClusterSpec, remote_client
from clusterbench.pipeline.timing import StageTimer
from clusterbench.progress import Log, progress_bar
from clusterbench.records import (
    SCHEMA_VERSION,
    Environment,
    GridRecord,
    GridTiming,
    now_iso,
)
from clusterbench.records.grid_file import GridStore, check_target, config_key, read_grid
from clusterbench.registry import STEPS, DaskOptions, Params


@dataclass(frozen=True)
class GridConfig:
    dataset: str = "mnist"
    data: DataOptions = field(default_factory=DataOptions)
    protocol: str = "seed"
    subsample: int | None = None
    n_components: int = 50
    seed: int = 137
    spec: GridSpec = field(default_factory=GridSpec.parse)
    score: str = "ari"
    backend: str = "auto"
    scheduler: str = "local"  # or the address of a running Dask scheduler
    scheduler_file: Path | None = None
    dask: DaskOptions = field(default_factory=DaskOptions)
    out: Path = Path("grid.jsonl")
    resume: bool = False
    batch_size: int | None = None  # loop engine: configurations per Dask task (None: 10)
    engine: str = "sweep"

    def check(self) -> None:
        """Option combinations that cannot work, refused before anything is loaded."""
        if self.score not in SCORES:
            raise ConfigError(f"unknown score {self.score!r}; choose from {', '.join(SCORES)}")
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown engine {self.engine!r}; choose from {', '.join(ENGINES)}")
        if self.batch_size is not None and self.engine != "loop":
            raise ConfigError(
                "--batch-size applies to --engine loop; the sweep runs one task per min_samples"
            )
        if self.scheduler != "local" and self.scheduler_file is not None:
            raise ConfigError("give --scheduler ADDRESS or --scheduler-file, not both")
        ClusterSpec(self.scheduler, self.scheduler_file, self.dask.workers).check()
        cores = os.cpu_count() or 1
        threads = (self.dask.workers or 1) * self.dask.threads_per_worker
        if not remote(self) and threads > MAX_OVERSUBSCRIPTION * cores:
            raise ConfigError(
                f"{threads} local threads (--workers x --threads-per-worker) are more than "
                f"{MAX_OVERSUBSCRIPTION} per core of this machine's {cores}"
            )
        if self.backend == "gpu-accel":
            raise ConfigError(
                "grid --backend gpu-accel would start a cuml.accel process per core on one GPU; "
                "use --backend gpu (cuML's DBSCAN, one worker per GPU)"
            )
        if self.out.suffix.lower() == ".png":
            raise ConfigError(f"--jsonl {self.out}: the heatmap goes beside it as .png; use .jsonl")
        Params(n_components=self.n_components, seed=self.seed).check()  # the run's own rules


def settings(config: GridConfig, backend: Backend) -> dict[str, Any]:
    """The header fields a grid's rows depend on that are known before the data is loaded."""
    return {
        "protocol": config.protocol,
        "subsample": config.subsample,
        "n_components": config.n_components,
        "seed": config.seed,
        "score": config.score,
        "backend": backend.name,
        "engine": config.engine,
        "eps": list(config.spec.eps),
        "min_samples": list(config.spec.min_samples),
    }


def prepare(config: GridConfig, backend: Backend, log: Log) -> tuple[Any, Any, dict[str, Any]]:
    """The training digits' PCA features (host float32), their labels, and the file header."""
    dataset = load_dataset(config.dataset, config.data, log)
    split = make_split(dataset, config.protocol, config.seed, config.subsample)
    limit = min(split.n_train, split.X_train.shape[1])
    if config.n_components > limit:
        raise ConfigError(f"--pca {config.n_components} exceeds what the data allows ({limit})")
    params = Params(n_components=config.n_components, seed=config.seed)
    X_dev = backend.to_device(split.X_train).astype(backend.xp.float32) / 255.0
    X = backend.to_host(backend.build(STEPS["pca"], params).fit_transform(X_dev))
    log(
        f"data: {dataset.name} ({config.protocol}), {split.n_train} training digits, "
        f"PCA-{config.n_components}"
    )
    header = {
        "kind": "grid",
        "schema_version": SCHEMA_VERSION,
        "created": now_iso(),
        "dataset": dataset.name,
        "dataset_fingerprint": dataset.fingerprint,
        "dataset_source": str(dataset.source),
        "n_train": split.n_train,
        **settings(config, backend),
    }
    return np.ascontiguousarray(X, dtype=np.float32), split.y_train, header


@dataclass(frozen=True)
class _Seconds:
    startup_s: float  # starting (or reaching) the Dask cluster
    shared_s: float | None  # the engine's work on the backend for its shared data (the graph)
    tasks_s: float  # scattering the shared data and running every task


def _run(
    config: GridConfig,
    backend: Backend,
    X: Any,
    y: Any,
    store: GridStore,
    todo: list[Config],
    log: Log,
) -> _Seconds:
    """Run `todo` on the Dask cluster, timing its parts."""
    from distributed import as_completed

    engine = ENGINES[config.engine]
    shared, shared_s = engine.shared(X, y, todo, backend, log)
    options = {
        "backend": backend.name,
        "score": config.score,
        "seed": config.seed,
        "n_jobs": config.dask.threads_per_worker,
    }
    start = time.perf_counter()
    with dask_client(config, engine, backend, log) as client:
        startup_s = time.perf_counter() - start
        start = time.perf_counter()
        shared_f = {key: client.scatter(value, broadcast=True) for key, value in shared.items()}

        def submit(batch: list[Config]) -> Any:
            return client.submit(engine.task, shared_f, batch, options, retries=2, pure=False)

        pending = {submit(batch): batch for batch in engine.batches(todo, config.batch_size)}
        completed = as_completed(list(pending))
        with progress_bar(len(todo), "grid", "config") as bar:
            for future in completed:
                batch = pending.pop(future)
                try:
                    rows = future.result()
                except Exception as exc:  # its worker died more often than the retries allow
                    if len(batch) > 1 and engine.retry_singly:  # find the culprit
                        for config_ in batch:
                            single = submit([config_])
                            pending[single] = [config_]
                            completed.add(single)
                        continue
                    reason = f"{type(exc).__name__}: {exc}"
                    rows = [failed_row(e, m, reason, "unknown") for e, m in batch]
                store.append(rows)
                bar.update(len(rows))
        tasks_s = time.perf_counter() - start
    return _Seconds(startup_s, shared_s, tasks_s)


@dataclass(frozen=True)
class GridOutcome:
    record: GridRecord  # every row of the file, and this run's timing
    ran: int  # configurations this run computed (the others were in the file already)
    path: Path  # the grid file
    png: Path


def run_grid(config: GridConfig, log: Log) -> GridOutcome:
    """Run what is missing from `config.out`, then summarise the whole file."""
    config.check()
    check_options(config.dataset, config.data)
    backend = select_backend(config.backend)
    check_target(
        config.out, config.resume, {"dataset": config.dataset, **settings(config, backend)}
    )
    if remote(config):
        remote_client(
            config.scheduler, config.scheduler_file
        ).close()  # reachable? Before loading, not after the PCA
    log(f"backend: {backend.name} ({backend.reason})")
    environment = Environment.collect(backend)  # before the work: the code as it starts
    timer = StageTimer(backend.synchronize, memory=True, device=backend.device_memory)
    with timer.stage("data_pca"):
        X, y, header = prepare(config, backend, log)
    store = GridStore(config.out, header, config.resume)
    todo = [c for c in config.spec.configs() if config_key(*c) not in store.done]
    log(
        f"grid: {len(config.spec)} configurations, {len(config.spec) - len(todo)} already in "
        f"{config.out}, {len(todo)} to run"
    )
    seconds = _Seconds(0.0, None, 0.0)
    try:
        with timer.stage("compute"):
            if todo:
                seconds = _run(config, backend, X, y, store, todo, log)
    except BaseException as exc:
        if store.discard_if_unused():  # nothing finished: leave no file behind
            raise
        if isinstance(exc, KeyboardInterrupt):
            log(f"interrupted: finished configurations are in {config.out}; continue with --resume")
        raise
    finally:
        store.close()
    compute_s = timer.seconds["compute"] - seconds.startup_s
    sweep = config.engine == "sweep" and bool(todo)  # the graph on the backend, the rest on host
    header, rows = read_grid(config.out)
    wanted = {config_key(*c) for c in config.spec.configs()}
    rows = [r for r in rows if config_key(r["eps"], r["min_samples"]) in wanted]
    png = config.out.with_suffix(".png")
    heatmap(header, rows, png)
    record = GridRecord(
        header=header,
        rows=rows,
        timing=GridTiming(
            timer.seconds["data_pca"],
            seconds.startup_s,
            compute_s,
            graph_s=seconds.shared_s if sweep else None,
            host_sweep_s=seconds.tasks_s if sweep else None,
        ),
        memory=timer.peaks,
        environment=environment,
    )
    return GridOutcome(record, len(todo), config.out, png)
