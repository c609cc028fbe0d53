"""The result schema: typed records, written as versioned JSON and read back by every consumer.

Every producer (run, budget, grid, suite, the bench scripts) builds one of these records and
every consumer (report, compare, --from-grid, the tests) reads one, so a field means the same
thing everywhere. Timings say their basis: `load_s` is reading and splitting the data and is
never inside a total; `cold` is the first fit+predict in the process (on the GPU it includes
context creation and JIT compilation); `warm` keeps each later run's seconds per stage.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from clusterbench import files
from clusterbench.errors import DataError
from clusterbench.outputs import write_text

SCHEMA_VERSION = 2
BASES = {
    "load": "reading, checking and splitting the data; never inside a total",
    "cold": "the first fit+predict in a fresh process (on the GPU: with context creation and "
    "JIT compilation); data loading excluded",
    "warm": "later fit+predict runs in the same process on the loaded data, each run kept",
}


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
class Environment:
    """The machine, the libraries and the code a result came from."""

    machine: dict[str, Any]  # hostname, cpu_model, cpu_count, python, platform, blas
    libraries: dict[str, str | None]  # by import name
    clusterbench: str
    code: dict[str, Any]  # commit, dirty, source (checkout | build | unknown)
    gpu: dict[str, Any] | None = None  # name, memory, count, CUDA driver and runtime

    @property
    def host(self) -> str:
        """The machine's name in reports: its hostname, and the start of its machine id (two
        machines may share a hostname; speedups pair suites of one machine only)."""
        mid = self.machine.get("machine_id")
        return f"{self.machine['hostname']}-{mid[:6]}" if mid else self.machine["hostname"]

    def describe(self) -> str:
        m = self.machine
        gpu = f", GPU {self.gpu['gpu_name']}" if self.gpu else ", no GPU"
        return f"{m['hostname']}: {m['cpu_model']}, {m['cpu_count']} cores{gpu}"

    @classmethod
    def collect(cls, backend: Any) -> Environment:
        from clusterbench.records import provenance

        return cls(
            machine=provenance.machine(),
            libraries=provenance.libraries(),
            clusterbench=provenance.clusterbench_version(),
            code=provenance.code_version(),
            gpu=backend.environment() or None,
        )

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> Environment | None:
        return None if d is None else cls(**d)


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


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
        d = _plain(self)
        d["timing"] = self.timing.to_json()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RunRecord:
        return _build(
            cls,
            d,
            data=DataInfo(**d["data"]),
            timing=Timing.from_json(d["timing"]),
            params=_umap_mode_of(d["params"]),
            solvers=_solvers_of(d),
        )


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
        return _plain(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BudgetRecord:
        points = [BudgetPoint(**p) for p in d["points"]]
        params = _umap_mode_of(d["params"])
        return _build(
            cls, d, data=DataInfo(**d["data"]), points=points, params=params, solvers=_solvers_of(d)
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
        from clusterbench.grid.summary import scored

        ranked = scored(self.rows, self.header["score"])
        return ranked[0] if ranked else None

    def to_json(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> GridRecord:
        timing = d.get("timing")
        return _build(cls, d, timing=GridTiming(**timing) if timing else None)


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
        return _plain(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ScaleRecord:
        def points(key: str) -> list[ScalePoint]:
            return [
                ScalePoint(**{**p, "runs": [StageTimes(**r) for r in p["runs"]]})
                for p in d.get(key, [])
            ]

        return _build(
            cls,
            d,
            points=points("points"),
            worker_points=points("worker_points"),
            params=_umap_mode_of(d["params"]),
        )


CaseRecord = RunRecord | BudgetRecord | GridRecord | ScaleRecord


@dataclass(frozen=True)
class SuiteCase:
    name: str
    record: CaseRecord


@dataclass(frozen=True)
class SuiteRecord:
    """A benchmark suite on one backend and machine: its cases share the environment."""

    KIND: ClassVar[str] = "bench"
    suite: str
    backend: str
    repeat: int
    cases: list[SuiteCase]
    environment: Environment
    created: str = field(default_factory=now_iso)
    definition: dict[str, Any] = field(default_factory=dict)  # the suite file, as parsed

    def case(self, name: str) -> CaseRecord:
        return next(c.record for c in self.cases if c.name == name)

    def to_json(self) -> dict[str, Any]:
        d = _plain(self)
        d["cases"] = [
            {"name": c.name, "kind": c.record.KIND, **c.record.to_json()} for c in self.cases
        ]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SuiteRecord:
        cases = [SuiteCase(c["name"], _CASE_KINDS[c["kind"]].from_json(c)) for c in d["cases"]]
        return _build(cls, d, cases=cases)


@dataclass(frozen=True)
class StudyRecord:
    """A study made by a script in bench/ (grid engines, UMAP defaults, test margins): its
    findings are the script's own table, kept whole in `results`."""

    kind: str
    results: dict[str, Any]
    environment: Environment
    created: str = field(default_factory=now_iso)

    KINDS: ClassVar[tuple[str, ...]] = (
        "grid-engines",
        "umap-defaults",
        "threshold-margins",
        "infimnist",
        "tolerance-spread",
        "memory-overhead",
    )

    def write_into(self, out_dir: Path) -> Path:
        """Write <out_dir>/<kind>-<host>-<date>.json (never over another run's); its path."""
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{self.kind}-{self.environment.host}-{self.created[:10]}.json"
        return write_record(self, path, exclusive=True)  # a second run that day: -2

    def to_json(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> StudyRecord:
        return _build(cls, d)


Record = RunRecord | BudgetRecord | GridRecord | SuiteRecord | StudyRecord
_CASE_KINDS: dict[str, type] = {
    "run": RunRecord,
    "budget": BudgetRecord,
    "grid": GridRecord,
    "scale": ScaleRecord,
}
_KINDS: dict[str, type] = {**_CASE_KINDS, "bench": SuiteRecord}


def _umap_mode_of(params: dict[str, Any]) -> dict[str, Any]:
    """A record's params, with the UMAP mode of one written before --umap-mode existed: every
    UMAP then was seeded (deterministic). A UMAP method's params name `umap_components`."""
    if "umap_components" in params and "umap_mode" not in params:
        return {**params, "umap_mode": "deterministic"}
    return params


def _solvers_of(d: dict[str, Any]) -> dict[str, str]:
    """A record's solvers; one written before they were kept says its UMAP mode (deterministic,
    as its params now do), its eigensolver being unknown."""
    if "solvers" in d:
        return d["solvers"]
    mode = _umap_mode_of(d["params"]).get("umap_mode")
    return {"umap": mode} if mode else {}


def _plain(record: Any) -> dict[str, Any]:
    kind = getattr(record, "KIND", None) or record.kind
    return {"schema_version": SCHEMA_VERSION, "kind": kind, **asdict(record)}


def _build(cls: type, d: dict[str, Any], **typed: Any) -> Any:
    """`cls` from its JSON `d`: its own fields, the environment typed, and `typed` overriding."""
    names = cls.__dataclass_fields__
    plain = {k: v for k, v in d.items() if k in names}
    return cls(**(plain | {"environment": Environment.from_json(d.get("environment"))} | typed))


def kind_of(record: Record) -> str:
    return record.kind if isinstance(record, StudyRecord) else record.KIND


def from_json(d: Any, where: str) -> Record:
    """A record from its parsed JSON; one-line DataError for anything else."""
    kinds = (*_KINDS, *StudyRecord.KINDS)
    if not isinstance(d, dict) or d.get("kind") not in kinds:
        raise DataError(f"{where}: not a clusterbench result (kind must be one of {kinds})")
    version = d.get("schema_version")
    if version != SCHEMA_VERSION:
        raise DataError(
            f"{where}: schema version {version}, this clusterbench reads {SCHEMA_VERSION}"
            + (
                " (v1 timings mix bases and cannot be converted; run it again)"
                if version == 1
                else ""
            )
        )
    try:
        if d["kind"] in StudyRecord.KINDS:
            return StudyRecord.from_json(d)
        return _KINDS[d["kind"]].from_json(d)
    except (KeyError, TypeError) as exc:
        raise DataError(f"{where}: malformed {d['kind']} record ({exc})") from None


def load_record(path: Path) -> Record:
    """A result file: a JSON record, or a grid's JSONL file (whatever its name)."""
    text = files.read_text(path)
    if _is_grid_file(text):
        from clusterbench.grid.store import read_grid

        header, rows = read_grid(path)
        return GridRecord(header, rows, created=header.get("created", ""))
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON (line {exc.lineno})") from None
    return from_json(d, str(path))


def _is_grid_file(text: str) -> bool:
    """A grid's JSONL file: its first line alone is a JSON object of kind "grid"."""
    try:
        first = json.loads(text.split("\n", 1)[0])
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and first.get("kind") == "grid"


def write_record(record: Record, path: Path, exclusive: bool = False) -> Path:
    """Write `record` as JSON (see outputs.write_text for `exclusive`); the path written."""
    return write_text(path, json.dumps(record.to_json(), indent=2) + "\n", exclusive)
