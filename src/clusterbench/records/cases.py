"""The records of the other cases: a labelling-budget curve, a DBSCAN grid, a scale case."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from clusterbench.records.encoding import (
    build_record,
    now_iso,
    plain_json,
    solvers_of,
    umap_mode_of,
)
from clusterbench.records.grid_file import scored
from clusterbench.records.provenance import Environment
from clusterbench.records.run import DataInfo, RunRecord, StageTimes


@dataclass(frozen=True)
class BudgetPoint:
    clusters: int
    clusters_found: int
    test_accuracy: float
    train_purity: float
    ari: float
    clustered_fraction: float
    seconds: float  # clustering, labelling, KNN fit and prediction (the first K: cold calls)


@dataclass(frozen=True)
class BudgetRecord:
    """The labelling-budget curve: one embedding (cold, `embed_s`), then one point per K."""

    KIND: ClassVar[str] = "budget"
    data: DataInfo
    backend: str
    method: str
    params: dict[str, Any]
    load_s: float
    embed_s: float
    points: list[BudgetPoint]
    memory: dict[str, dict[str, int]]  # peak bytes: "embed", and "clusters" over every K
    environment: Environment | None = None
    created: str = field(default_factory=now_iso)
    solvers: dict[str, str] = field(default_factory=dict)  # as a RunRecord's

    def to_json(self) -> dict[str, Any]:
        return plain_json(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BudgetRecord:
        points = [BudgetPoint(**p) for p in d["points"]]
        params = umap_mode_of(d["params"])
        return build_record(
            cls, d, data=DataInfo(**d["data"]), points=points, params=params, solvers=solvers_of(d)
        )


@dataclass(frozen=True)
class GridTiming:
    """A grid's seconds, apart: data and PCA, the Dask cluster's start-up, the configurations.

    The sweep engine's compute, further apart: the neighbour graph, built on the backend (cuML's
    on the GPU), and the labelling and scoring of every configuration on host CPU workers, host
    work on every backend (None for the loop engine, whose fits run on the backend)."""

    data_pca_s: float
    cluster_startup_s: float
    compute_s: float
    graph_s: float | None = None
    host_sweep_s: float | None = None


@dataclass(frozen=True)
class GridRecord:
    """A DBSCAN grid: its header (what every row depends on), its rows, and, when it ran in
    this process, its timing. A grid file (JSONL) holds the same header and rows."""

    KIND: ClassVar[str] = "grid"
    header: dict[str, Any]
    rows: list[dict[str, Any]]
    timing: GridTiming | None = None
    # Peak bytes of this process during "data_pca" and "compute" (worker processes apart).
    memory: dict[str, dict[str, int]] = field(default_factory=dict)
    environment: Environment | None = None
    created: str = field(default_factory=now_iso)

    @property
    def data(self) -> DataInfo:
        h = self.header
        return DataInfo(
            h["dataset"], h["dataset_fingerprint"], h.get("dataset_source", ""), h["protocol"],
            h["subsample"], h["seed"], h["n_train"], None,
        )  # fmt: skip

    @property
    def n_failed(self) -> int:
        return sum(r["status"] == "failed" for r in self.rows)

    def best(self) -> dict[str, Any] | None:
        ranked = scored(self.rows, self.header["score"])
        return ranked[0] if ranked else None

    def to_json(self) -> dict[str, Any]:
        return plain_json(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> GridRecord:
        timing = d.get("timing")
        return build_record(cls, d, timing=GridTiming(**timing) if timing else None)


@dataclass(frozen=True)
class ScalePoint:
    """One training-set size of a scale case: measured, over budget (measured; the sizes after
    it are not run), skipped (with the reason) or failed (with the error)."""

    n_train: int
    status: str  # "measured" | "over budget" | "skipped" | "failed"
    reason: str | None = None
    fingerprint: str | None = None  # the data's, as a run records it
    n_test: int | None = None
    load_s: float | None = None  # loading (and generating, the first time) the digits
    runs: list[StageTimes] = field(default_factory=list)  # each fit+predict at this size
    memory: dict[str, dict[str, int]] = field(default_factory=dict)  # the first run's peaks
    metrics: dict[str, Any] = field(default_factory=dict)
    workers: int | None = None  # on Dask workers (None: one process)
    scalings: list[str] = field(default_factory=list)  # "strong", "weak": the series it is in
    worker_peak_bytes: dict[str, dict[str, int]] = field(default_factory=dict)  # stage: worker

    STATUSES: ClassVar[tuple[str, ...]] = ("measured", "over budget", "skipped", "failed")

    @property
    def measured(self) -> bool:
        return bool(self.runs)

    def peak_bytes(self) -> dict[str, int]:
        """Peak host memory per stage (the first run's), "peak" over all stages and, on a GPU,
        "device": the device's peak used memory over all stages."""
        per = {s: m.get("peak_host_rss_bytes", 0) for s, m in self.memory.items()}
        device = [m["peak_device_used_bytes"] for m in self.memory.values()
                  if "peak_device_used_bytes" in m]  # fmt: skip
        return {**per, "peak": max(per.values(), default=0)} | (
            {"device": max(device)} if device else {}
        )


@dataclass(frozen=True)
class ScaleRecord:
    """How one method's cost grows with the training set (InfiMNIST digits, MNIST's test set)."""

    KIND: ClassVar[str] = "scale"
    method: str
    backend: str
    params: dict[str, Any]
    budget_s: float  # a point whose first fit+predict takes longer ends the growth
    basis: str  # what each run's seconds include
    points: list[ScalePoint]
    environment: Environment | None = None
    created: str = field(default_factory=now_iso)
    worker_points: list[ScalePoint] = field(default_factory=list)  # strong and weak scaling
    worker_basis: str | None = None  # what a worker point's seconds include

    def to_json(self) -> dict[str, Any]:
        return plain_json(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ScaleRecord:
        def points(key: str) -> list[ScalePoint]:
            return [
                ScalePoint(**{**p, "runs": [StageTimes(**r) for r in p["runs"]]})
                for p in d.get(key, [])
            ]

        return build_record(
            cls,
            d,
            points=points("points"),
            worker_points=points("worker_points"),
            params=umap_mode_of(d["params"]),
        )


CaseRecord = RunRecord | BudgetRecord | GridRecord | ScaleRecord
CASE_KINDS: dict[str, type] = {
    "run": RunRecord,
    "budget": BudgetRecord,
    "grid": GridRecord,
    "scale": ScaleRecord,
}
