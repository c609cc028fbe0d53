"""Benchmark suites as data: a TOML file lists the cases, their sizes, repeats and budgets.

The shipped suites (quick, full, scale) are files in `clusterbench/suites/`; a user's own file
is read the same way. Every key is checked here, once, with a one-line error that names the
file, the case and the key, so that the suite runner can trust what it gets.

    description = "what the suite is for"
    repeat = 3                      # runs per pipeline case: the first cold, the rest warm

    [[case]]
    kind = "pipeline"               # pipeline | grid | budget | scale
    name = "dbscan"
    method = "dbscan"
    subsample = 10000
    params = { n_components = 50, eps = 4.2, min_samples = 20 }
"""

from __future__ import annotations

import math
import re
import tomllib
import typing
from dataclasses import MISSING, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from clusterbench import files
from clusterbench.errors import ConfigError
from clusterbench.registry import METHODS, SHARED_PARAMS
from clusterbench.registry.params import Params

SHIPPED_SUFFIX = ".toml"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # names become file names in the report


@dataclass(frozen=True)
class PipelineCase:
    """One `clusterbench run`, repeated on one load of the data."""

    name: str
    method: str
    params: Params = field(default_factory=Params)
    protocol: str = "canonical"
    subsample: int | None = None
    max_repeat: int | None = None  # cap the suite's repeat for slow cases (seeded UMAP is serial)


@dataclass(frozen=True)
class GridCase:
    """One `clusterbench grid` over DBSCAN's eps and min_samples."""

    name: str
    eps_range: str
    min_samples_range: str
    engine: str = "sweep"
    subsample: int | None = None


@dataclass(frozen=True)
class BudgetCase:
    """One `clusterbench budget`: accuracy against the number of clusters labelled."""

    name: str
    method: str
    cluster_counts: tuple[int, ...]
    params: Params = field(default_factory=Params)
    subsample: int | None = None


@dataclass(frozen=True)
class ScaleCase:
    """One method on InfiMNIST training sets of growing size, until a point exceeds `budget_s`.

    With `bench --scheduler local`, also on Dask workers: each of `worker_counts` at `strong_n`
    digits (strong scaling) and at `weak_n_per_worker` digits per worker (weak scaling)."""

    name: str
    method: str
    sizes: tuple[int, ...]
    budget_s: float
    params: Params = field(default_factory=Params)
    strong_n: int | None = None
    weak_n_per_worker: int | None = None
    worker_counts: tuple[int, ...] = (1, 2)

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


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    repeat: int
    cases: tuple[Case, ...]
    definition: dict[str, Any]  # the file as parsed: kept in the record it produces


def shipped() -> dict[str, Path]:
    """The suites that come with clusterbench, by name."""
    folder = resources.files("clusterbench") / "suites"
    found = [Path(str(p)) for p in folder.iterdir() if p.name.endswith(SHIPPED_SUFFIX)]
    return {p.stem: p for p in sorted(found)}


def summaries() -> dict[str, tuple[str, list[str]]]:
    """Each shipped suite's description and case names, read without checking (for --help)."""
    found = {}
    for name, path in shipped().items():
        table = tomllib.loads(path.read_text())
        found[name] = (table.get("description", ""), [c.get("name") for c in table["case"]])
    return found


def load_suite(name_or_path: str) -> Suite:
    """A shipped suite by name, or a suite file by path."""
    known = shipped()
    if name_or_path in known:
        path = known[name_or_path]
    elif name_or_path.endswith(SHIPPED_SUFFIX) or "/" in name_or_path:
        path = Path(name_or_path)
        if path.stem in known or not NAME.fullmatch(path.stem):
            raise ConfigError(
                f"--suite {path}: name the file other than {', '.join(known)} (a suite's name "
                "keys its records and the report) with letters, digits, '.', '_' and '-'"
            )
    else:
        raise ConfigError(
            f"--suite {name_or_path}: no such suite; choose from {', '.join(known)} or give a "
            "path to a .toml suite file"
        )
    text = files.read_text(path)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_suite(table, path.stem, str(path))


def parse_suite(table: dict[str, Any], name: str, where: str) -> Suite:
    _only(table, {"description", "repeat", "case"}, where)
    description = _typed(table.get("description", ""), str, f"{where}: description")
    repeat = _typed(table.get("repeat", 1), int, f"{where}: repeat")
    if repeat < 1:
        raise ConfigError(f"{where}: repeat {repeat}: expected 1 or more")
    raw_cases = table.get("case")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise ConfigError(f"{where}: no [[case]] tables; a suite needs at least one case")
    cases = tuple(_case(raw, f"{where}: case {i}") for i, raw in enumerate(raw_cases, start=1))
    names = [c.name for c in cases]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"{where}: case name {twice[0]!r} used twice; names key the report")
    return Suite(name, description, repeat, cases, table)


def _only(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}; expected one of {', '.join(sorted(allowed))}"
        )


def _typed(value: Any, kind: type, where: str) -> Any:
    """`value` as `kind` (an int is a float too; a bool is not a number)."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {_KIND_WORDS[kind]}, got {value!r}")
    return value


_KIND_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _case(raw: Any, where: str) -> Case:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ConfigError(f"{where}: kind {kind!r}; expected one of {', '.join(KINDS)}")
    cls = KINDS[kind]
    where = f"{where} ({raw.get('name', '?')})"
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    _only(raw, names | {"kind"}, where)
    required = [f.name for f in fields(cls) if f.default is f.default_factory is MISSING]
    missing = [n for n in required if n not in raw]
    if missing:
        raise ConfigError(f"{where}: missing key {missing[0]!r}")
    values = {k: _value(v, hints[k], f"{where}: {k}") for k, v in raw.items() if k != "kind"}
    case = cls(**values)
    if not NAME.fullmatch(case.name):
        raise ConfigError(f"{where}: name {case.name!r}: use letters, digits, '.', '_' and '-'")
    _check(case, where)
    return case


def _value(value: Any, hint: Any, where: str) -> Any:
    if hint is Params:
        return _params(value, where)
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple:  # tuple[int, ...]
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{where}: expected a non-empty list, got {value!r}")
        return tuple(_typed(v, args[0], where) for v in value)
    if type(None) in args:  # X | None: TOML has no null, so a given value is an X
        hint = next(a for a in args if a is not type(None))
    return _typed(value, hint, where)


def _params(value: Any, where: str) -> Params:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table like {{ eps = 4.2 }}, got {value!r}")
    options = Params.options()
    _only(value, set(options), where)
    typed = {k: _typed(v, options[k].kind, f"{where}.{k}") for k, v in value.items()}
    for key, v in typed.items():
        problem = options[key].problem(v)
        if problem is not None:
            raise ConfigError(f"{where}.{key} {v!r}: {problem}")
    return Params(**typed)


def _check(case: Case, where: str) -> None:
    """What a field's type cannot say: known methods, positive sizes, budgets and counts."""
    from clusterbench.data.datasets import MAX_GENERATED
    from clusterbench.data.protocols import MIN_SUBSAMPLE, PROTOCOLS

    method = getattr(case, "method", None)
    if method is not None and method not in METHODS:
        raise ConfigError(f"{where}: method {method!r}; choose from {', '.join(METHODS)}")
    if method is not None:
        unused = {
            k for k in Params.options() if getattr(case.params, k) != getattr(Params(), k)
        } - {*SHARED_PARAMS, *METHODS[method].params}
        if unused:
            raise ConfigError(f"{where}: params: {method} does not use {sorted(unused)[0]!r}")
    subsample = getattr(case, "subsample", None)
    if subsample is not None and subsample < MIN_SUBSAMPLE:
        raise ConfigError(f"{where}: subsample {subsample}: use at least {MIN_SUBSAMPLE}")
    if isinstance(case, PipelineCase):
        if case.protocol not in PROTOCOLS:
            raise ConfigError(f"{where}: protocol {case.protocol!r}; one of {PROTOCOLS}")
        if case.max_repeat is not None and case.max_repeat < 1:
            raise ConfigError(f"{where}: max_repeat {case.max_repeat}: expected 1 or more")
    if isinstance(case, GridCase):
        from clusterbench.grid.engines import ENGINES
        from clusterbench.grid.spec import GridSpec

        if case.engine not in ENGINES:
            raise ConfigError(f"{where}: engine {case.engine!r}; one of {', '.join(ENGINES)}")

        try:
            GridSpec.parse(case.eps_range, case.min_samples_range)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if isinstance(case, BudgetCase) and min(case.cluster_counts) < 1:
        raise ConfigError(f"{where}: cluster_counts: expected counts >= 1")
    if isinstance(case, ScaleCase):
        if not (math.isfinite(case.budget_s) and case.budget_s > 0):
            raise ConfigError(f"{where}: budget_s {case.budget_s}: expected seconds > 0")
        if list(case.sizes) != sorted(set(case.sizes)):
            raise ConfigError(f"{where}: sizes: expected increasing sizes, got {list(case.sizes)}")
        if case.sizes[0] < MIN_SUBSAMPLE or case.sizes[-1] > MAX_GENERATED:
            raise ConfigError(f"{where}: sizes: use {MIN_SUBSAMPLE} to {MAX_GENERATED:,} digits")
        if (
            list(case.worker_counts) != sorted(set(case.worker_counts))
            or min(case.worker_counts) < 1
        ):
            raise ConfigError(f"{where}: worker_counts: expected increasing counts >= 1")
        if any(not MIN_SUBSAMPLE <= n <= MAX_GENERATED for _, n, _ in case.worker_points):
            raise ConfigError(
                f"{where}: strong_n, weak_n_per_worker x workers: use {MIN_SUBSAMPLE} to "
                f"{MAX_GENERATED:,} digits"
            )
        if case.worker_points:
            from clusterbench.backends import Backend
            from clusterbench.pipeline.checks import check_distributable

            try:
                check_distributable(case.method, Backend())
            except ConfigError as exc:
                raise ConfigError(f"{where}: strong_n/weak_n_per_worker: {exc}") from None
