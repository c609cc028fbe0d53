"""The suites under pytest-benchmark: each case of a suite file, on each backend, run by the
runner that `clusterbench bench` uses (suites.run.run_case) and timed once, whole.

    pytest bench/ --benchmark-json=bench.json         # the quick suite on MNIST, CPU and GPU
    pytest bench/ --bench-dataset digits --bench-repeat 1 --benchmark-json=bench.json  # minutes
    pytest bench/ --bench-suite full --bench-backends cpu,cpu-intelex --benchmark-json=bench.json

There is no list of cases here: the suite file is the list (conftest.py's options choose it).
Beside the case's time, `extra_info` carries what the case's record measured itself (a run's
cold and warm fit+predict seconds, a grid's compute seconds, a budget's embedding) and its scores,
the numbers a suite record holds. GPU rows skip with the reason where no GPU is usable.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from clusterbench.backends import select_backend
from clusterbench.data import DataOptions, mnist
from clusterbench.errors import BackendError
from clusterbench.progress import stderr_log
from clusterbench.records import BudgetRecord, CaseRecord, GridRecord, RunRecord, ScaleRecord
from clusterbench.suites.file import Case, PipelineCase, ScaleCase, Suite
from clusterbench.suites.run import SuiteConfig, run_case


@pytest.fixture(scope="session")
def suite_config(pytestconfig: pytest.Config) -> SuiteConfig:
    """The data the cases run on; MNIST from $CLUSTERBENCH_DATA_DIR or the cache, never fetched."""
    dataset = pytestconfig.getoption("bench_dataset")
    if dataset != "mnist":
        return SuiteConfig(dataset=dataset)
    env = os.environ.get(mnist.DATA_DIR_ENV)
    directory = Path(env) if env else mnist.cache_dir()
    if mnist.missing_files(directory):
        pytest.skip(
            f"MNIST not in {directory}: set {mnist.DATA_DIR_ENV}, or --bench-dataset digits"
        )
    return SuiteConfig(dataset=dataset, data=DataOptions(directory))


@pytest.fixture(scope="session")
def repeat(pytestconfig: pytest.Config, suite: Suite) -> int:
    return pytestconfig.getoption("bench_repeat") or suite.repeat


@pytest.fixture
def backend(backend_name: str) -> str:
    try:
        return select_backend(backend_name).name
    except BackendError as exc:
        pytest.skip(str(exc))


def on_dataset(case: Case, dataset: str) -> Case:
    """The case on `dataset`: MNIST's as written; elsewhere all the digits, split by the seed
    protocol (MNIST's canonical split and a subsample of 10,000 are MNIST's alone)."""
    if dataset == "mnist":
        return case
    if isinstance(case, ScaleCase):
        pytest.skip(f"a scale case generates InfiMNIST digits from MNIST, not {dataset}")
    if isinstance(case, PipelineCase):
        return replace(case, protocol="seed", subsample=None)
    return replace(case, subsample=None)


def measured(record: CaseRecord) -> dict[str, Any]:
    """What the case's record measured itself, and its scores."""
    if isinstance(record, RunRecord):
        warm = record.timing.warm_spread().get("total")
        return {
            "cold_s": record.timing.cold.total_s,
            "warm_median_s": warm.median if warm else None,
            "test_accuracy": record.metrics["test_accuracy"],
            "ari": record.metrics["ari"],
        }
    if isinstance(record, GridRecord):
        best = record.best()
        return {
            "compute_s": record.timing.compute_s if record.timing else None,
            "configurations": len(record.rows),
            "best_ari": best["ari"] if best else None,
        }
    if isinstance(record, BudgetRecord):
        return {
            "embed_s": record.embed_s,
            "test_accuracy": {str(p.clusters): p.test_accuracy for p in record.points},
        }
    assert isinstance(record, ScaleRecord)
    return {"first_run_s": {str(p.n_train): p.runs[0].total_s for p in record.points if p.runs}}


def test_suite_case(benchmark, suite, case, backend, suite_config, repeat):
    case = on_dataset(case, suite_config.dataset)
    record = benchmark.pedantic(
        run_case,
        args=(case, suite_config, backend, repeat, stderr_log, lambda _: None),
        rounds=1,
        iterations=1,
    )
    benchmark.extra_info.update(
        suite=suite.name,
        case=case.name,
        dataset=suite_config.dataset,
        backend=backend,
        repeat=repeat,
        **measured(record),
    )
    if isinstance(record, GridRecord):
        assert record.n_failed == 0, f"{record.n_failed} grid configurations failed"
