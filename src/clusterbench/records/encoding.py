"""A record's JSON form: the fields every record shares, what older records lacked, and writing.

Every record's `to_json` and `from_json` go through here, so each written record names its
schema version and kind, and each one read back gets its environment typed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from clusterbench.outputs import write_text
from clusterbench.records.provenance import Environment
from clusterbench.records.schema import SCHEMA_VERSION


class Encodable(Protocol):
    """Any record: it knows its JSON form."""

    def to_json(self) -> dict[str, Any]: ...


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def umap_mode_of(params: dict[str, Any]) -> dict[str, Any]:
    """A record's params, with the UMAP mode of one written before --umap-mode existed: every
    UMAP then was seeded (deterministic). A UMAP method's params name `umap_components`."""
    if "umap_components" in params and "umap_mode" not in params:
        return {**params, "umap_mode": "deterministic"}
    return params


def solvers_of(d: dict[str, Any]) -> dict[str, str]:
    """A record's solvers; one written before they were kept says its UMAP mode (deterministic,
    as its params now do), its eigensolver being unknown."""
    if "solvers" in d:
        return d["solvers"]
    mode = umap_mode_of(d["params"]).get("umap_mode")
    return {"umap": mode} if mode else {}


def plain_json(record: Any) -> dict[str, Any]:
    kind = getattr(record, "KIND", None) or record.kind
    return {"schema_version": SCHEMA_VERSION, "kind": kind, **asdict(record)}


def build_record(cls: type, d: dict[str, Any], **typed: Any) -> Any:
    """`cls` from its JSON `d`: its own fields, the environment typed, and `typed` overriding."""
    names = cls.__dataclass_fields__
    plain = {k: v for k, v in d.items() if k in names}
    return cls(**(plain | {"environment": Environment.from_json(d.get("environment"))} | typed))


def write_record(record: Encodable, path: Path, exclusive: bool = False) -> Path:
    """Write `record` as JSON (see outputs.write_text for `exclusive`); the path written."""
    return write_text(path, json.dumps(record.to_json(), indent=2) + "\n", exclusive)
