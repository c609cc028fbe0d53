"""The grid's JSONL file: a header line naming the data, then one line per finished configuration.

A row is one configuration, known by its `config_key`; `scored` ranks the rows by a score.

Lines are appended and flushed as configurations finish, so a run killed at any moment keeps
everything it finished; `--resume` reads them back, drops a half-written last line, and the run
goes on with what is missing. Each configuration ends up in the file exactly once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from clusterbench import files
from clusterbench.errors import ConfigError, DataError
from clusterbench.outputs import check_file, make_parent
from clusterbench.records.schema import SCHEMA_VERSION

# Header fields that must match for --resume to continue a file: they decide every row's value
# (the backend and engine too: a file's rows must come from one implementation).
IDENTITY = (
    "dataset_fingerprint",
    "protocol",
    "subsample",
    "n_components",
    "seed",
    "score",
    "backend",
    "engine",
    "eps",  # the grid itself: rows outside the header's grid would go uncounted
    "min_samples",
)


def config_key(eps: float, min_samples: int) -> tuple[float, int]:
    """Identity of a configuration, robust to float printing and re-parsing."""
    return (round(float(eps), 9), int(min_samples))


def scored(rows: list[dict[str, Any]], score: str) -> list[dict[str, Any]]:
    """Finished rows that have a value for `score`, best first (ties: grid order)."""
    ok = [r for r in rows if r["status"] == "ok" and r.get(score) is not None]
    return sorted(ok, key=lambda r: (-r[score], r["min_samples"], r["eps"]))


def _parse_line(path: Path, lineno: int, line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        raise DataError(f"{path}: line {lineno} is not valid JSON (not a grid file?)") from None
    if not isinstance(row, dict):
        raise DataError(f"{path}: line {lineno} is not a JSON object (not a grid file?)")
    return row


def read_grid(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Header and rows of a grid file; a half-written last line (a killed run) is ignored."""
    text = files.read_text(path)
    lines = text.split("\n")
    complete = lines[:-1]  # text after the last newline is a line the writer never finished
    if not complete:
        raise DataError(f"{path}: empty or not a grid file")
    if len(complete) == 1 or not complete[0].startswith('{"'):  # a record, pretty-printed?
        _refuse_other_record(path, text)
    header = _parse_line(path, 1, complete[0])
    if header.get("kind") != "grid":
        raise DataError(f"{path}: line 1 is not a grid header (not a grid file?)")
    if header.get("schema_version") == 1:
        header = upgrade_v1_header(header)
    if header.get("schema_version") != SCHEMA_VERSION:
        raise DataError(
            f"{path}: grid schema version {header.get('schema_version')}, "
            f"this clusterbench reads {SCHEMA_VERSION}"
        )
    missing = [key for key in (*HEADER_KEYS, *IDENTITY) if key not in header]
    if missing:
        raise DataError(f"{path}: the grid header lacks {', '.join(missing)}")
    rows = [
        _check_row(path, lineno, _parse_line(path, lineno, line))
        for lineno, line in enumerate(complete[1:], start=2)
    ]
    return header, rows


HEADER_KEYS = ("dataset", "n_train", "created")
ROW_SCORES = ("ari", "nmi", "rand_index", "silhouette", "noise_fraction", "train_purity")


def _check_row(path: Path, lineno: int, row: dict[str, Any]) -> dict[str, Any]:
    """A row as the writer wrote it, or one line naming what is wrong with it."""

    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    problem = None
    if row.get("status") not in ("ok", "failed"):
        problem = "status is not ok or failed"
    elif not number(row.get("eps")) or not isinstance(row.get("min_samples"), int):
        problem = "eps or min_samples is not a number"
    elif row["status"] == "ok" and not all(
        row.get(k) is None or number(row[k]) for k in (*ROW_SCORES, "n_clusters")
    ):
        problem = "a score is not a number"
    if problem:
        raise DataError(f"{path}: line {lineno} is not a grid row ({problem})")
    return row


def _refuse_other_record(path: Path, text: str) -> None:
    try:
        kind = json.loads(text).get("kind")
    except (json.JSONDecodeError, AttributeError):
        return  # not a whole JSON document either: the line-by-line reading says what is wrong
    if kind != "grid":
        raise DataError(f"{path}: a {kind} record, not a grid file")


def upgrade_v1_header(header: dict[str, Any]) -> dict[str, Any]:
    """A schema-1 grid header read as schema 2: its rows mean what they meant. Schema 1 did not
    record the data's source, and its first files predate the engine field: the loop engine,
    then the only one, made them."""
    return {
        **header,
        "schema_version": SCHEMA_VERSION,
        "converted_from_schema": 1,
        "dataset_source": header.get("dataset_source"),
        "engine": header.get("engine", "loop"),
    }


def check_target(path: Path, resume: bool, expected: dict[str, Any]) -> None:
    """Before any work: the file and its heatmap can be written, an existing file is continued
    only with `resume`, and then only if its header agrees with what is known before loading."""
    check_file(path, "--jsonl")
    check_file(path.with_suffix(".png"), "--jsonl")
    if _continues(path, resume):
        _check_settings(path, read_grid(path)[0], expected)


def _continues(path: Path, resume: bool) -> bool:
    """Whether `path` holds a grid to continue; an existing one without `resume` is refused."""
    if not (path.is_file() and path.stat().st_size > 0):
        return False
    if not resume:
        raise ConfigError(
            f"--jsonl {path} exists; pass --resume to continue it, or choose another --jsonl"
        )
    return True


def _check_settings(path: Path, old: dict[str, Any], expected: dict[str, Any]) -> None:
    changed = [k for k, v in expected.items() if old.get(k) != v]
    if changed:
        raise ConfigError(
            f"{path} was made with other settings ({', '.join(changed)} differ); "
            "choose another --jsonl"
        )


class GridStore:
    """Append-only writer of a grid file; knows which configurations are already done."""

    def __init__(self, path: Path, header: dict[str, Any], resume: bool) -> None:
        self.path = path
        self.done: set[tuple[float, int]] = set()
        self.created = False  # this store made the file (it held nothing to continue)
        self.appended = 0
        if _continues(path, resume):
            old_header, rows = read_grid(path)
            _check_settings(path, old_header, {k: header.get(k) for k in IDENTITY})
            self.done = {config_key(r["eps"], r["min_samples"]) for r in rows}
            self._drop_partial_line()
            self._file: TextIO = path.open("a")
        else:
            make_parent(path)
            try:
                self._file = path.open("w")
            except OSError as exc:
                raise ConfigError(f"{path}: cannot write ({exc.strerror})") from None
            self.created = True
            self._write(header)

    def _drop_partial_line(self) -> None:
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            with self.path.open("r+b") as f:
                f.truncate(end)

    def _write(self, row: dict[str, Any]) -> None:
        self._file.write(json.dumps(row) + "\n")
        self._file.flush()

    def append(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            key = config_key(row["eps"], row["min_samples"])
            if key not in self.done:
                self._write(row)
                self.done.add(key)
                self.appended += 1

    def close(self) -> None:
        self._file.close()

    def discard_if_unused(self) -> bool:
        """Remove a file this store made and wrote no row into (a run that failed before its
        first configuration); whether it did."""
        if not self.created or self.appended:
            return False
        self._file.close()
        self.path.unlink(missing_ok=True)
        return True
