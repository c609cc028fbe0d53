"""Reading result files back: one-line errors for anything that is not a clusterbench record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clusterbench import files
from clusterbench.errors import DataError
from clusterbench.record import SCHEMA_VERSION

KINDS = ("run", "bench", "grid-engines", "budget", "umap-defaults")


def load_result(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(files.read_text(path))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON (line {exc.lineno})") from None
    if not isinstance(record, dict) or record.get("kind") not in KINDS:
        raise DataError(f"{path}: not a clusterbench result (kind must be one of {KINDS})")
    if record.get("schema_version") != SCHEMA_VERSION:
        raise DataError(
            f"{path}: schema version {record.get('schema_version')}, this clusterbench reads "
            f"{SCHEMA_VERSION}"
        )
    return record


def cases_of(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A bench file's cases by name; a single run record as one case named by its method."""
    if record["kind"] == "bench":
        return {case["name"]: case for case in record["cases"]}
    if record["kind"] == "run":
        return {record["method"]: record}
    return {}
