"""The cases a suite file lists, each a dataclass whose fields are the keys of its [[case]]
table: a field's type, its default (none: the key is required) and its Rule (what it accepts
beyond its type) are all that suites/file.py checks a key against, one key at a time."""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Collection
from dataclasses import MISSING, dataclass, field
from typing import Any

from clusterbench.registry import METHODS
from clusterbench.registry.params import Params

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # names become file names in the report
MIN_DIGITS = "clusterbench.data.protocols.MIN_SUBSAMPLE"
MAX_DIGITS = "clusterbench.data.datasets.MAX_GENERATED"


@dataclass(frozen=True)
class Rule:
    """What a case key accepts beyond its type; a bound or the choices may be the dotted path of
    a constant, read when a file is checked (the data and grid modules take a second to import)."""

    choices: Collection[str] | str | None = None
    low: float | str | None = None  # the smallest value (of each item, for a list)
    high: float | str | None = None  # the largest
    above: float | None = None  # a finite number strictly greater
    increasing: bool = False  # a list whose items increase
    file_name: bool = False  # names a file of the report

    def problem(self, key: str, value: Any) -> str | None:
        """Why `value` is refused for `key`, in words that name both; None where it is not."""
        choices, low, high = (_constant(x) for x in (self.choices, self.low, self.high))
        items = value if isinstance(value, tuple) else (value,)
        within = all((low is None or v >= low) and (high is None or v <= high) for v in items)
        bounds = f"at least {low}" if high is None else f"{low:,} to {high:,}"
        if self.file_name and not NAME.fullmatch(value):
            return f"{key} {value!r}: use letters, digits, '.', '_' and '-'"
        if choices is not None and value not in choices:
            return f"{key} {value!r}; choose from {', '.join(choices)}"
        if self.above is not None and not (math.isfinite(value) and value > self.above):
            return f"{key} {value}: expected a number > {self.above:g}"
        if isinstance(value, tuple):
            if within and (not self.increasing or list(value) == sorted(set(value))):
                return None
            order = "increasing " if self.increasing else ""
            return (
                f"{key}: expected {order}{key.rsplit('_', 1)[-1]}, each {bounds}, got {list(value)}"
            )
        return None if within else f"{key} {value}: use {bounds}"


def _constant(value: Any) -> Any:
    """`value`, or the constant its dotted path names."""
    if not isinstance(value, str):
        return value
    module, _, name = value.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _key(default: Any = MISSING, **rule: Any) -> Any:
    return field(default=default, metadata={"rule": Rule(**rule)})


@dataclass(frozen=True)
class PipelineCase:
    """One `clusterbench run`, repeated on one load of the data."""

    name: str = _key(file_name=True)
    method: str = _key(choices=METHODS)
    params: Params = field(default_factory=Params)
    protocol: str = _key("canonical", choices="clusterbench.data.protocols.PROTOCOLS")
    subsample: int | None = _key(None, low=MIN_DIGITS)
    # caps the suite's repeat for slow cases (seeded UMAP is serial)
    max_repeat: int | None = _key(None, low=1)


@dataclass(frozen=True)
class GridCase:
    """One `clusterbench grid` over DBSCAN's eps and min_samples."""

    name: str = _key(file_name=True)
    eps_range: str
    min_samples_range: str
    engine: str = _key("sweep", choices="clusterbench.grid.engines.ENGINES")
    subsample: int | None = _key(None, low=MIN_DIGITS)


@dataclass(frozen=True)
class BudgetCase:
    """One `clusterbench budget`: accuracy against the number of clusters labelled."""

    name: str = _key(file_name=True)
    method: str = _key(choices=METHODS)
    cluster_counts: tuple[int, ...] = _key(low=1)
    params: Params = field(default_factory=Params)
    subsample: int | None = _key(None, low=MIN_DIGITS)


@dataclass(frozen=True)
class ScaleCase:
    """One method on InfiMNIST training sets of growing size, until a point exceeds `budget_s`.

    With `bench --scheduler local`, also on Dask workers: each of `worker_counts` at `strong_n`
    digits (strong scaling) and at `weak_n_per_worker` digits per worker (weak scaling)."""

    name: str = _key(file_name=True)
    method: str = _key(choices=METHODS)
    sizes: tuple[int, ...] = _key(low=MIN_DIGITS, high=MAX_DIGITS, increasing=True)
    budget_s: float = _key(above=0)
    params: Params = field(default_factory=Params)
    strong_n: int | None = None
    weak_n_per_worker: int | None = None
    worker_counts: tuple[int, ...] = _key((1, 2), low=1, increasing=True)

    @property
    def worker_points(self) -> list[tuple[int, int, tuple[str, ...]]]:
        """(workers, training digits, the scalings it belongs to), each pair once."""
        points: dict[tuple[int, int], list[str]] = {}
        for w in self.worker_counts:
            if self.strong_n is not None:
                points.setdefault((w, self.strong_n), []).append("strong")
            if self.weak_n_per_worker is not None:
                points.setdefault((w, w * self.weak_n_per_worker), []).append("weak")
        return [(w, n, tuple(kinds)) for (w, n), kinds in sorted(points.items())]


Case = PipelineCase | GridCase | BudgetCase | ScaleCase
KINDS: dict[str, type] = {
    "pipeline": PipelineCase,
    "grid": GridCase,
    "budget": BudgetCase,
    "scale": ScaleCase,
}
