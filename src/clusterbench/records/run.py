"""A run's record: one method on one backend, its cold and warm fit+predict, and its data."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from clusterbench.records.encoding import (
    build_record,
    now_iso,
    plain_json,
    solvers_of,
    umap_mode_of,
)
from clusterbench.records.provenance import Environment
from clusterbench.records.schema import BASES


@dataclass(frozen=True)
class Spread:
    """How often something was measured, and its median and range."""

    count: int
    median: float
    min: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(len(values), statistics.median(values), min(values), max(values))


@dataclass(frozen=True)
class StageTimes:
    """One fit+predict: seconds per stage, and the wall time of the whole (`total_s`)."""

    stages: dict[str, float]
    total_s: float


@dataclass(frozen=True)
class Timing:
    load_s: float | None
    cold: StageTimes
    warm: list[StageTimes] = field(default_factory=list)

    def warm_spread(self) -> dict[str, Spread]:
        """Per stage (and "total"), the spread of the warm runs; empty without warm runs."""
        if not self.warm:
            return {}
        spread = {s: Spread.of([w.stages.get(s, 0.0) for w in self.warm]) for s in self.cold.stages}
        return {**spread, "total": Spread.of([w.total_s for w in self.warm])}

    def to_json(self) -> dict[str, Any]:
        return {
            "basis": BASES,
            "load_s": self.load_s,
            "cold": asdict(self.cold),
            "warm": {
                "runs": [asdict(w) for w in self.warm],
                "spread": {k: asdict(v) for k, v in self.warm_spread().items()},
            },
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Timing:
        return cls(
            d["load_s"], StageTimes(**d["cold"]), [StageTimes(**w) for w in d["warm"]["runs"]]
        )


@dataclass(frozen=True)
class DataInfo:
    """What was measured on: the data's content fingerprint and how it was split."""

    dataset: str
    fingerprint: str
    source: str
    protocol: str
    subsample: int | None
    seed: int
    n_train: int
    n_test: int | None


@dataclass(frozen=True)
class RunRecord:
    """One `clusterbench run`: a cold and any warm fit+predict of one method on one backend."""

    KIND: ClassVar[str] = "run"
    data: DataInfo
    backend: str
    backend_reason: str
    method: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    timing: Timing
    memory: dict[str, dict[str, int]]  # the cold run's peak bytes per stage
    environment: Environment | None = None  # None inside a suite, whose environment is shared
    created: str = field(default_factory=now_iso)
    # step -> the implementation that ran it (e.g. "knn": "sklearnex.neighbors...."); records
    # written before this field was added have none
    implementations: dict[str, str] = field(default_factory=dict)
    # a run on Dask workers: the scheduler, each worker's threads and memory limit, how the
    # workers got the digits, and per stage each worker's peak resident bytes; None: one process
    cluster: dict[str, Any] | None = None
    # what gallery.py keeps of the cold run's clusters (sizes, labels, purity, a strip of
    # digits each); None for non-square digits and in older records
    gallery: dict[str, Any] | None = None
    # the paths the implementations took where results or times depend on them (registry
    # Impl.solvers): "eigensolver" (amg, lanczos, nystrom-svd), "umap" (fast, deterministic);
    # records written before this field was added have none
    solvers: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = plain_json(self)
        d["timing"] = self.timing.to_json()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RunRecord:
        return build_record(
            cls,
            d,
            data=DataInfo(**d["data"]),
            timing=Timing.from_json(d["timing"]),
            params=umap_mode_of(d["params"]),
            solvers=solvers_of(d),
        )
