"""Any record, by its kind: read from its JSON, or from a result file of any kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clusterbench import files
from clusterbench.errors import DataError
from clusterbench.records.cases import CASE_KINDS, BudgetRecord, GridRecord
from clusterbench.records.grid_file import read_grid
from clusterbench.records.run import RunRecord
from clusterbench.records.schema import SCHEMA_VERSION
from clusterbench.records.suite import StudyRecord, SuiteRecord

Record = RunRecord | BudgetRecord | GridRecord | SuiteRecord | StudyRecord
_KINDS: dict[str, type] = {**CASE_KINDS, "bench": SuiteRecord}


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
