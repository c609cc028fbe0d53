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
    backend: str = "auto"
    repeat: int = 3  # runs per pipeline case: one cold, repeat - 1 warm
    out: Path = Path("results")


def run_suite(config: SuiteConfig, log: Log) -> Path:
    """Run every case of `suite`; write <out>/<date>T<time>-<host>-<backend>-<suite>.json
    (the directory made where missing; `-2` added where a run of the same second wrote one)."""
    from clusterbench.backends import select_backend

    suite, data, backend, repeat, out_dir = (
        config.suite,
        config.data,
        config.backend,
        config.repeat,
        config.out,
    )
    if suite not in SUITES:
        raise ConfigError(f"unknown suite {suite!r}; choose from {', '.join(SUITES)}")
    check_directory(out_dir, "--out")
    chosen = select_backend(backend)  # fail early, once, with the reason
    environment = Environment.collect(chosen)  # before the work: the code as it starts
    log(f"suite {suite} on {chosen.name} ({chosen.reason}), {len(SUITES[suite])} cases")
    cases = []
    for i, case in enumerate(SUITES[suite], start=1):
        log(f"[{i}/{len(SUITES[suite])}] {case.name}")
        if isinstance(case, PipelineCase):
            record = _pipeline_case(case, data, chosen.name, repeat, log)
        elif isinstance(case, BudgetCase):
            record = _budget_case(case, data, chosen.name, log)
        else:
            record = _grid_case(case, data, chosen.name, log)
        cases.append(SuiteCase(case.name, record))
    record = SuiteRecord(suite, chosen.name, repeat, cases, environment)
    host = socket.gethostname().split(".")[0]
    stamp = record.created[:19].replace(":", "")  # 2026-11-29T143507: two runs a minute apart
    return write_record(record, out_dir / f"{stamp}-{host}-{chosen.name}-{suite}.json", True)
