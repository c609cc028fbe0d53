"""The benchmark suites: named cases, run on a backend, written as one versioned JSON per run.

A pipeline case is one `clusterbench run` repeated (the first, cold run and the warm runs kept
apart); a grid case is one `clusterbench grid`. The file holds everything the report needs.
"""

from __future__ import annotations

import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clusterbench.data import DataOptions
from clusterbench.errors import ConfigError
from clusterbench.record import SCHEMA_VERSION, environment, now_iso
from clusterbench.registry import Params

Log = Callable[[str], None]
STUDY_DBSCAN = Params(n_components=50, eps=3.8, min_samples=32)
# What a case keeps of a run (or budget) record: what was measured, on what, and how.
RUN_FIELDS = (
    "dataset",
    "dataset_fingerprint",
    "protocol",
    "subsample",
    "n_train",
    "n_test",
    "backend",
    "method",
    "params",
)


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


def _warm_stats(warm: list[dict[str, float]]) -> dict[str, Any]:
    if not warm:
        return {"runs": 0}
    stages = warm[0].keys()
    return {
        "runs": len(warm),
        "median": {k: statistics.median(w[k] for w in warm) for k in stages},
        "min": {k: min(w[k] for w in warm) for k in stages},
        "max": {k: max(w[k] for w in warm) for k in stages},
    }


def _pipeline_case(
    case: PipelineCase, data: DataOptions, backend: str, repeat: int, log: Log
) -> dict[str, Any]:
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
    keep = (*RUN_FIELDS, "metrics")
    return {
        "name": case.name,
        "kind": "pipeline",
        **{k: record[k] for k in keep},
        "cold": record["timings"],
        "warm": _warm_stats(record["warm_timings"]),
    }


def _grid_case(case: GridCase, data: DataOptions, backend: str, log: Log) -> dict[str, Any]:
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
        start = time.perf_counter()
        summary = run_grid(config, log)
        wall = time.perf_counter() - start
    header, best = summary["header"], summary["best"]
    return {
        "name": case.name,
        "kind": "grid",
        "dataset": header["dataset"],
        "dataset_fingerprint": header["dataset_fingerprint"],
        "protocol": header["protocol"],
        "subsample": header["subsample"],
        "n_train": header["n_train"],
        "backend": header["backend"],
        "engine": case.engine,
        "params": {
            "n_components": header["n_components"],
            "eps": case.eps,
            "min_samples": case.min_samples,
            "score": header["score"],
        },
        "metrics": {
            "best_ari": best["ari"] if best else None,
            "best_eps": best["eps"] if best else None,
            "best_min_samples": best["min_samples"] if best else None,
            "n_configs": len(summary["rows"]),
            "n_failed": summary["n_failed"],
        },
        "cold": {"total_s": wall},
        "warm": {"runs": 0},
        "rows": [
            {k: r.get(k) for k in ("eps", "min_samples", "ari", "status")} for r in summary["rows"]
        ],
    }


def _budget_case(case: BudgetCase, data: DataOptions, backend: str, log: Log) -> dict[str, Any]:
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
    keep = (*RUN_FIELDS, "rows")
    at_20 = [r for r in record["rows"] if r["clusters"] == 20]
    return {
        "name": case.name,
        "kind": "budget",
        **{k: record[k] for k in keep},
        "metrics": {"test_accuracy": at_20[0]["test_accuracy"] if at_20 else None},
        "cold": {
            "embed_s": record["embed_s"],
            "total_s": record["embed_s"] + sum(r["seconds"] for r in record["rows"]),
        },
        "warm": {"runs": 0},
    }


def run_suite(
    suite: str, data: DataOptions, backend: str, repeat: int, out_dir: Path, log: Log
) -> Path:
    """Run every case of `suite`; write <out>/<date>T<time>-<host>-<backend>-<suite>.json."""
    from clusterbench.backends import select_backend

    if suite not in SUITES:
        raise ConfigError(f"unknown suite {suite!r}; choose from {', '.join(SUITES)}")
    if not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir}: no such directory")
    chosen = select_backend(backend)  # fail early, once, with the reason
    log(f"suite {suite} on {chosen.name} ({chosen.reason}), {len(SUITES[suite])} cases")
    cases = []
    for i, case in enumerate(SUITES[suite], start=1):
        log(f"[{i}/{len(SUITES[suite])}] {case.name}")
        if isinstance(case, PipelineCase):
            cases.append(_pipeline_case(case, data, chosen.name, repeat, log))
        elif isinstance(case, BudgetCase):
            cases.append(_budget_case(case, data, chosen.name, log))
        else:
            cases.append(_grid_case(case, data, chosen.name, log))
    created = now_iso()
    record = {
        "schema_version": SCHEMA_VERSION,
        "kind": "bench",
        "suite": suite,
        "backend": chosen.name,
        "repeat": repeat,
        "created": created,
        "cases": cases,
        "environment": environment(chosen),
    }
    from clusterbench.record import write_json

    host = socket.gethostname().split(".")[0]
    stamp = created[:16].replace(":", "")  # 2026-11-29T1435
    path = out_dir / f"{stamp}-{host}-{chosen.name}-{suite}.json"
    write_json(record, path)
    return path
