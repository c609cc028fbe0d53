"""Run a DBSCAN grid on a Dask cluster: local CPU workers, dask-cuda workers, or a scheduler."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from clusterbench.backends import Backend, select_backend
from clusterbench.data import DataOptions, load_dataset, make_split
from clusterbench.errors import ConfigError
from clusterbench.grid.spec import GridSpec, config_key
from clusterbench.grid.store import GridStore, read_grid
from clusterbench.grid.summary import heatmap, scored
from clusterbench.grid.tasks import SCORES, failed_row, fit_batch
from clusterbench.record import SCHEMA_VERSION, now_iso
from clusterbench.registry import CLUSTERS, STEPS, DaskOptions, Params

Log = Callable[[str], None]


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
    batch_size: int = 10  # configurations per Dask task: scheduling overhead stays small


def prepare(config: GridConfig, backend: Backend, log: Log) -> tuple[Any, Any, dict[str, Any]]:
    """The training digits' PCA features (host float32), their labels, and the file header."""
    if config.score not in SCORES:
        raise ConfigError(f"unknown score {config.score!r}; choose from {', '.join(SCORES)}")
    dataset = load_dataset(config.dataset, config.data)
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
        "protocol": config.protocol,
        "subsample": config.subsample,
        "n_train": split.n_train,
        "n_components": config.n_components,
        "seed": config.seed,
        "score": config.score,
        "backend": backend.name,
        "eps": list(config.spec.eps),
        "min_samples": list(config.spec.min_samples),
    }
    return np.ascontiguousarray(X, dtype=np.float32), split.y_train, header


@contextmanager
def dask_client(config: GridConfig, backend: Backend, log: Log) -> Iterator[Any]:
    """A client of the given scheduler, or of a local cluster started for this run."""
    from distributed import Client

    cluster = None
    if config.scheduler_file is not None:
        client = Client(scheduler_file=str(config.scheduler_file), timeout="30s")
    elif config.scheduler != "local":
        client = Client(config.scheduler, timeout="30s")
    else:
        cluster = backend.build(CLUSTERS["local"], config.dask)
        client = Client(cluster)
    try:
        workers = len(client.scheduler_info()["workers"])
        log(f"dask: {workers} worker(s), dashboard {client.dashboard_link}")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run(config: GridConfig, backend: Backend, X: Any, y: Any, store: GridStore, todo: list,
         log: Log) -> None:  # fmt: skip
    from distributed import as_completed
    from tqdm import tqdm

    with dask_client(config, backend, log) as client:
        X_f = client.scatter(X, broadcast=True)
        y_f = client.scatter(y, broadcast=True)
        todo = sorted(todo, key=lambda c: -c[0])  # large eps are slowest: start them first

        def submit(batch: list) -> Any:
            return client.submit(
                fit_batch, X_f, y_f, batch, backend.name, config.score, config.seed,
                config.dask.threads_per_worker, retries=2, pure=False,
            )  # fmt: skip

        batches = [todo[i : i + config.batch_size] for i in range(0, len(todo), config.batch_size)]
        pending = {submit(batch): batch for batch in batches}
        completed = as_completed(list(pending))
        with tqdm(total=len(todo), unit="config", desc="grid", smoothing=0.05) as bar:
            for future in completed:
                batch = pending.pop(future)
                try:
                    rows = future.result()
                except Exception as exc:  # its worker died more often than the retries allow
                    if len(batch) > 1:  # find the culprit: retry one configuration per task
                        for config_ in batch:
                            single = submit([config_])
                            pending[single] = [config_]
                            completed.add(single)
                        continue
                    rows = [failed_row(*batch[0], f"{type(exc).__name__}: {exc}", "unknown")]
                store.append(rows)
                bar.update(len(rows))


def run_grid(config: GridConfig, log: Log) -> dict[str, Any]:
    """Run what is missing from `config.out`, then summarise the whole file."""
    backend = select_backend(config.backend)
    log(f"backend: {backend.name} ({backend.reason})")
    X, y, header = prepare(config, backend, log)
    store = GridStore(config.out, header, config.resume)
    todo = [c for c in config.spec.configs() if config_key(*c) not in store.done]
    log(
        f"grid: {len(config.spec)} configurations, {len(config.spec) - len(todo)} already in "
        f"{config.out}, {len(todo)} to run"
    )
    start = time.perf_counter()
    try:
        if todo:
            _run(config, backend, X, y, store, todo, log)
    except KeyboardInterrupt:
        log(f"interrupted: finished configurations are in {config.out}; continue with --resume")
        raise
    finally:
        store.close()
    wall_s = time.perf_counter() - start
    header, rows = read_grid(config.out)
    wanted = {config_key(*c) for c in config.spec.configs()}
    rows = [r for r in rows if config_key(r["eps"], r["min_samples"]) in wanted]
    png = config.out.with_suffix(".png")
    heatmap(header, rows, png)
    ranked = scored(rows, config.score)
    return {
        "header": header,
        "rows": rows,
        "best": ranked[0] if ranked else None,
        "n_failed": sum(r["status"] == "failed" for r in rows),
        "wall_s": wall_s,
        "ran": len(todo),
        "png": png,
    }
