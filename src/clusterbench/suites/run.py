"""Running a benchmark suite: its cases on each backend, written as one versioned JSON per
backend.

The suite itself is data (suite_file: the shipped quick, full and scale, or a user's TOML).
A pipeline case is one `clusterbench run` repeated (the first, cold run and each warm run kept);
a grid case is one `clusterbench grid`; a budget case one `clusterbench budget`; a scale case
one method over growing InfiMNIST sizes (scale.py). Each case is the record its command writes;
the suite's record adds the environment they share and the suite's definition, and holds
everything the report needs. It is rewritten after every case, so a stopped suite keeps the
cases it finished.
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
from clusterbench.pipeline.cluster import ClusterSpec
from clusterbench.progress import Log
from clusterbench.records import (
    BudgetRecord,
    CaseRecord,
    Environment,
    GridRecord,
    RunRecord,
    ScaleRecord,
    SuiteCase,
    SuiteRecord,
    now_iso,
    write_record,
)
from clusterbench.suites.cases import BudgetCase, Case, GridCase, PipelineCase, ScaleCase
from clusterbench.suites.file import load_suite


def _shared(record: CaseRecord) -> CaseRecord:
    """A case record inside a suite: the suite holds the environment they share."""
    return replace(record, environment=None)


def _pipeline_case(
    case: PipelineCase, config: SuiteConfig, backend: str, repeat: int, log: Log
) -> RunRecord:
    from clusterbench.pipeline.config import RunConfig
    from clusterbench.pipeline.run import run

    return run(
        RunConfig(
            dataset=config.dataset,
            data=config.data,
            protocol=case.protocol,
            subsample=case.subsample,
            method=case.method,
            params=case.params,
            backend=backend,
            repeat=min(repeat, case.max_repeat or repeat),
            cluster=config.cluster,
        ),
        log=log,
    )


def _grid_case(case: GridCase, config: SuiteConfig, backend: str, log: Log) -> GridRecord:
    from clusterbench.grid.runner import GridConfig, run_grid
    from clusterbench.grid.spec import GridSpec

    with tempfile.TemporaryDirectory() as tmp:
        grid = GridConfig(
            dataset=config.dataset,
            data=config.data,
            subsample=case.subsample,
            spec=GridSpec.parse(case.eps_range, case.min_samples_range),
            backend=backend,
            engine=case.engine,
            out=Path(tmp) / "grid.jsonl",
        )
        return run_grid(grid, log).record


def _budget_case(case: BudgetCase, config: SuiteConfig, backend: str, log: Log) -> BudgetRecord:
    from clusterbench.pipeline.config import RunConfig
    from clusterbench.suites.budget import labelling_budget

    return labelling_budget(
        RunConfig(
            dataset=config.dataset,
            data=config.data,
            subsample=case.subsample,
            method=case.method,
            params=case.params,
            backend=backend,
        ),
        list(case.cluster_counts),
        log,
    )


@dataclass(frozen=True)
class SuiteConfig:
    suite: str = "quick"  # a shipped suite's name, or a suite file's path
    data: DataOptions = field(default_factory=DataOptions)
    backends: tuple[str, ...] = ("auto",)  # several: alternated case by case
    repeat: int | None = None  # runs per pipeline case and scale point; None: the suite's own
    out: Path = Path("results")
    cluster: ClusterSpec | None = None  # pipeline cases and scale cases' worker points on Dask
    dataset: str = "mnist"  # of pipeline, grid and budget cases (bench/ times them on digits too)


def _scale_case(
    case: ScaleCase,
    config: SuiteConfig,
    backend: str,
    repeat: int,
    log: Log,
    checkpoint: Callable[[CaseRecord], None],
) -> ScaleRecord:
    """The case's sizes in one process each; with a scheduler, then its worker points."""
    from clusterbench.suites.scale import run_scale
    from clusterbench.suites.scale_workers import BASIS, run_worker_points

    record = run_scale(case, config.data, backend, repeat, log, checkpoint)
    if config.cluster is None or not case.worker_points:
        return record
    record = replace(record, worker_basis=BASIS)

    def partial(points: list) -> None:
        checkpoint(replace(record, worker_points=list(points)))

    points = run_worker_points(case, config.data, backend, repeat, log, partial)
    return replace(record, worker_points=points)


def run_case(
    case: Case,
    config: SuiteConfig,
    backend: str,
    repeat: int,
    log: Log,
    checkpoint: Callable[[CaseRecord], None],
) -> CaseRecord:
    """Run one case of a suite, as `bench` does (bench/test_benchmarks.py times it too).

    Parameters
    ----------
    case : Case
        The case, as its suite file gives it.
    config : SuiteConfig
        The data, the dataset and the cluster it runs on (its `suite` is not read).
    backend : str
        The backend's name.
    repeat : int
        Runs per pipeline case and scale point (a case's `max_repeat` caps it).
    log : Log
        Where progress goes.
    checkpoint : callable
        Called with the partial record of a scale case as each point finishes.

    Returns
    -------
    CaseRecord
        The record the case's own command writes.
    """
    if isinstance(case, PipelineCase):
        return _pipeline_case(case, config, backend, repeat, log)
    if isinstance(case, BudgetCase):
        return _budget_case(case, config, backend, log)
    if isinstance(case, GridCase):
        return _grid_case(case, config, backend, log)
    return _scale_case(case, config, backend, repeat, log, checkpoint)


def check_on_workers(cases: tuple[Case, ...], cluster: ClusterSpec | None) -> None:
    """With a scheduler: refuse, before any work, a case that cannot use it."""
    from clusterbench.pipeline.checks import check_split

    if cluster is None:
        return
    for case in cases:
        if isinstance(case, ScaleCase):
            if case.worker_points and not cluster.is_local:
                raise ConfigError(
                    f"case {case.name}: its worker points start clusters of 1, 2, ... workers: "
                    "use --scheduler local"
                )
        elif not isinstance(case, PipelineCase):
            raise ConfigError(
                f"case {case.name}: a {type(case).__name__.removesuffix('Case').lower()} case "
                "runs in one process; with --scheduler a suite holds pipeline and scale cases"
            )
        else:
            try:
                check_split(case.protocol, case.subsample)
            except ConfigError as exc:
                raise ConfigError(f"case {case.name}: {exc}") from None


def run_suite(config: SuiteConfig, log: Log) -> list[Path]:
    """Run every case of the suite on every backend; write one record per backend,
    <out>/<date>T<time>-<host>-<backend>-<suite>.json (the directory made where missing; `-2`
    added where a run of the same second wrote one), rewritten as each case finishes.

    With several backends each case runs on all of them before the next case starts, in an
    order that alternates from case to case (A B, then B A), so that a noisy machine's slow
    minutes fall on every backend alike."""
    from clusterbench.backends import select_backend

    suite = load_suite(config.suite)
    if len(set(config.backends)) != len(config.backends):
        raise ConfigError(f"--backends {','.join(config.backends)}: a backend named twice")
    if "gpu-accel" in config.backends and len(config.backends) > 1:
        raise ConfigError(
            "--backends: gpu-accel patches scikit-learn for the whole process; run it in a "
            "bench of its own"
        )
    check_on_workers(suite.cases, config.cluster)
    check_directory(config.out, "--out")
    chosen = [select_backend(b) for b in config.backends]  # fail early, once, with the reason
    names = [b.name for b in chosen]
    if len(set(names)) != len(names):
        raise ConfigError(f"--backends {','.join(config.backends)}: two are {names} here")
    environments = {b.name: Environment.collect(b) for b in chosen}  # the code as it starts
    repeat = config.repeat or suite.repeat
    for b in chosen:
        log(f"suite {suite.name} on {b.name} ({b.reason}), {len(suite.cases)} cases")
    done: dict[str, list[SuiteCase]] = {name: [] for name in names}
    started = now_iso()
    host = socket.gethostname().split(".")[0]
    paths: dict[str, Path] = {}

    def write(name: str, cases: list[SuiteCase]) -> None:
        """This backend's record with `cases`: its own file, made at the first write."""
        record = SuiteRecord(
            suite.name, name, repeat, cases, environments[name], started, suite.definition
        )
        if name in paths:
            write_record(record, paths[name])
        else:
            stamp = started[:19].replace(":", "")  # 2026-11-29T143507
            path = config.out / f"{stamp}-{host}-{name}-{suite.name}.json"
            paths[name] = write_record(record, path, exclusive=True)

    for i, case in enumerate(suite.cases, start=1):
        for name in names if i % 2 else names[::-1]:
            log(f"[{i}/{len(suite.cases)}] {case.name} on {name}")

            def checkpoint(partial: CaseRecord, name: str = name, case: Case = case) -> None:
                write(name, [*done[name], SuiteCase(case.name, _shared(partial))])

            record = run_case(case, config, name, repeat, log, checkpoint)
            done[name].append(SuiteCase(case.name, _shared(record)))
            write(name, done[name])
    return [paths[name] for name in names]
