"""Benchmark suites as data: a TOML file lists the cases, their sizes, repeats and budgets.

The shipped suites (quick, full, scale) are files in `clusterbench/suites/`; a user's own file
is read the same way. Every key is checked here, once, by its case's field (suites/cases.py),
with a one-line error that names the file, the case and the key, so that the suite runner can
trust what it gets.

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

import tomllib
import typing
from dataclasses import MISSING, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from clusterbench import files
from clusterbench.errors import ConfigError
from clusterbench.registry import METHODS, SHARED_PARAMS
from clusterbench.registry.params import Params
from clusterbench.suites.cases import KINDS, NAME, Case, GridCase, ScaleCase

SHIPPED_SUFFIX = ".toml"


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
    rules = {f.name: f.metadata["rule"] for f in fields(cls) if "rule" in f.metadata}
    for key, value in values.items():
        problem = rules[key].problem(key, value) if key in rules else None
        if problem is not None:
            raise ConfigError(f"{where}: {problem}")
    case = cls(**values)
    _check_across(case, where)
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


def _check_across(case: Case, where: str) -> None:
    """What one key's rule cannot say: the params its method uses, a grid's ranges, the points
    of a scale case on Dask workers."""
    if hasattr(case, "params"):
        unused = {
            k for k in Params.options() if getattr(case.params, k) != getattr(Params(), k)
        } - {*SHARED_PARAMS, *METHODS[case.method].params}
        if unused:
            raise ConfigError(f"{where}: params: {case.method} does not use {sorted(unused)[0]!r}")
    if isinstance(case, GridCase):
        from clusterbench.grid.spec import GridSpec

        try:
            GridSpec.parse(case.eps_range, case.min_samples_range)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if isinstance(case, ScaleCase):
        from clusterbench.data.datasets import MAX_GENERATED
        from clusterbench.data.protocols import MIN_SUBSAMPLE

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
