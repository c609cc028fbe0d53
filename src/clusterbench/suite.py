"""The benchmark suites: named cases, run on a backend, written as one versioned JSON per run.

A pipeline case is one `clusterbench run` repeated (the first, cold run and each warm run kept);
a grid case is one `clusterbench grid`; a budget case one `clusterbench budget`. Each case is the
record its command writes; the suite's file adds the environment they share, and holds
everything the report needs.
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from clusterbench.data import DataOptions
from clusterbench.errors import ConfigError
from clusterbench.outputs import check_directory
from clusterbench.record import (
    BudgetRecord,
    CaseRecord,
    Environment,
    GridRecord,
    RunRecord,
    SuiteCase,
    SuiteRecord,
    write_record,
)
from clusterbench.registry import Params

Log = Callable[[str], None]
STUDY_DBSCAN = Params(n_components=50, eps=3.8, min_samples=32)


@dataclass(frozen=True)
class PipelineCase:
    name: str
    method: str
    params: Params = field(default_factory=Params)
    protocol: str = "canonical"
    subsample: int | None = None
    max_repeat: int | None = None  # cap --repeat for slow cases (seeded UMAP is serial)


@dataclass(frozen=True)
class BudgetCase:
    name: str
    method: str
    clusters: tuple[int, ...]
    params: Params = field(default_factory=Params)
    subsample: int | None = None


@dataclass(frozen=True)
class GridCase:
    name: str
    eps: str
    min_samples: str
    engine: str = "sweep"
    subsample: int | None = None


Case = PipelineCase | GridCase | BudgetCase

SUITES: dict[str, tuple[Case, ...]] = {
    "quick": (
        PipelineCase("kmeans", "kmeans", subsample=10_000),
        PipelineCase("spectral", "spectral", subsample=10_000),
        PipelineCase(
            "dbscan", "dbscan", Params(n_components=50, eps=4.2, min_samples=20), subsample=10_000
        ),
        GridCase("grid-sweep", "0.5:5.0:10", "2:202:20", subsample=10_000),
        PipelineCase(
            "umap-kmeans", "umap-kmeans", Params(n_clusters=20), subsample=10_000, max_repeat=1
        ),
        BudgetCase("budget", "umap-kmeans", (10, 20, 50), subsample=10_000),
    ),
    "full": (
        PipelineCase("kmeans", "kmeans"),
        PipelineCase("spectral", "spectral"),
        PipelineCase("dbscan", "dbscan", STUDY_DBSCAN, protocol="seed"),
        GridCase("grid-sweep", "0.1:5.0:50", "2:202:10"),
        PipelineCase("umap-kmeans", "umap-kmeans", Params(n_clusters=20), max_repeat=1),
        BudgetCase("budget", "umap-kmeans", (10, 20, 50, 100, 200)),
    ),
}


def _pipeline_case(
    case: PipelineCase, data: DataOptions, backend: str, repeat: int, log: Log
) -> RunRecord:
    from clusterbench.runner import RunConfig, run

    record = run(
        RunConfig(
            dataset="mnist",
            data=data,
            protocol=case.protocol,
            subsample=case.subsample,
            method=case.method,
            params=case.params,
            backend=backend,
            repeat=min(repeat, case.max_repeat or repeat),
        ),
        log=log,
    )
    return replace(record, environment=None)


def _grid_case(case: GridCase, data: DataOptions, backend: str, log: Log) -> GridRecord:
    from clusterbench.grid.runner import GridConfig, run_grid
    from clusterbench.grid.spec import GridSpec

    with tempfile.TemporaryDirectory() as tmp:
        config = GridConfig(
            data=data,
            subsample=case.subsample,
            spec=GridSpec.parse(case.eps, case.min_samples),
            backend=backend,
            engine=case.engine,
            out=Path(tmp) / "grid.jsonl",
        )
        outcome = run_grid(config, log)
    return replace(outcome.record, environment=None)


def _budget_case(case: BudgetCase, data: DataOptions, backend: str, log: Log) -> BudgetRecord:
    from clusterbench.budget import labelling_budget
    from clusterbench.runner import RunConfig

    record = labelling_budget(
        RunConfig(
            data=data,
            subsample=case.subsample,
            method=case.method,
            params=case.params,
            backend=backend,
        ),
        list(case.clusters),
        log,
    )
    return replace(record, environment=None)


@dataclass(frozen=True)
class SuiteConfig:
    suite: str = "quick"
    data: DataOptions = field(default_factory=DataOptions)
    backends: tuple[str, ...] = ("auto",)  # several: alternated case by case
    repeat: int = 3  # runs per pipeline case: one cold, repeat - 1 warm
    out: Path = Path("results")


def _run_case(case: Case, data: DataOptions, backend: str, repeat: int, log: Log) -> CaseRecord:
    if isinstance(case, PipelineCase):
        return _pipeline_case(case, data, backend, repeat, log)
    if isinstance(case, BudgetCase):
        return _budget_case(case, data, backend, log)
    return _grid_case(case, data, backend, log)


def run_suite(config: SuiteConfig, log: Log) -> list[Path]:
    """Run every case of the suite on every backend; write one record per backend,
    <out>/<date>T<time>-<host>-<backend>-<suite>.json (the directory made where missing; `-2`
    added where a run of the same second wrote one).

    With several backends each case runs on all of them before the next case starts, in an
    order that alternates from case to case (A B, then B A), so that a noisy machine's slow
    minutes fall on every backend alike."""
    from clusterbench.backends import select_backend

    if config.suite not in SUITES:
        raise ConfigError(f"unknown suite {config.suite!r}; choose from {', '.join(SUITES)}")
    if len(set(config.backends)) != len(config.backends):
        raise ConfigError(f"--backends {','.join(config.backends)}: a backend named twice")
    if "gpu-accel" in config.backends and len(config.backends) > 1:
        raise ConfigError(
            "--backends: gpu-accel patches scikit-learn for the whole process; run it in a "
            "bench of its own"
        )
    check_directory(config.out, "--out")
    chosen = [select_backend(b) for b in config.backends]  # fail early, once, with the reason
    names = [b.name for b in chosen]
    if len(set(names)) != len(names):
        raise ConfigError(f"--backends {','.join(config.backends)}: two are {names} here")
    environments = {b.name: Environment.collect(b) for b in chosen}  # the code as it starts
    cases = SUITES[config.suite]
    for b in chosen:
        log(f"suite {config.suite} on {b.name} ({b.reason}), {len(cases)} cases")
    done: dict[str, list[SuiteCase]] = {name: [] for name in names}
    for i, case in enumerate(cases, start=1):
        for name in names if i % 2 else names[::-1]:
            log(f"[{i}/{len(cases)}] {case.name} on {name}")
            record = _run_case(case, config.data, name, config.repeat, log)
            done[name].append(SuiteCase(case.name, record))
    host = socket.gethostname().split(".")[0]
    paths = []
    for name in names:
        record = SuiteRecord(config.suite, name, config.repeat, done[name], environments[name])
        stamp = record.created[:19].replace(":", "")  # 2026-11-29T143507
        path = config.out / f"{stamp}-{host}-{name}-{config.suite}.json"
        paths.append(write_record(record, path, exclusive=True))
    return paths
