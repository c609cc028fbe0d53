"""A suite's record (its cases on one backend and machine) and a bench/ script's study."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from clusterbench.records.cases import CASE_KINDS, CaseRecord
from clusterbench.records.encoding import build_record, now_iso, plain_json, write_record
from clusterbench.records.provenance import Environment


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
        d = plain_json(self)
        d["cases"] = [
            {"name": c.name, "kind": c.record.KIND, **c.record.to_json()} for c in self.cases
        ]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SuiteRecord:
        cases = [SuiteCase(c["name"], CASE_KINDS[c["kind"]].from_json(c)) for c in d["cases"]]
        return build_record(cls, d, cases=cases)


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
        return plain_json(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> StudyRecord:
        return build_record(cls, d)
