"""`clusterbench methods`: which class or function runs each step and method on each backend,
read from the registry. docs/methods.md is its output; a test fails when they differ."""

from __future__ import annotations

import argparse
from typing import Any

from clusterbench.registry import METHODS, STEPS, Impl, Pair

REFUSED = "—"
STOCK = "stock"
# where a run on Dask workers scores its clusters: on the client, with the stock CPU functions
SCORED_ON_THE_CLIENT = ("ari", "nmi", "silhouette")
# the grid's steps: the grid refuses gpu-accel (a cuml.accel process per core on one GPU)
GRID_STEPS = ("neighbour_graph",)

INTRO = f"""\
# Which class runs each step and method

Generated from the registry (`clusterbench/registry/table.py`) by `clusterbench methods >
docs/methods.md`; a test fails when this file differs from what the command prints.

A cell is the class or function that runs; `{STOCK}` where the `cpu` column's runs
(scikit-learn-intelex has none of its own; `gpu-accel` runs the stock one under cuml.accel,
which hands it to cuML where it can); {REFUSED} where the backend refuses it. The Dask columns are
the pipeline's with `--scheduler`: a method that fits an embedding of all the digits runs in one
process only, and the scores of a run on workers are computed on the client. The
`neighbour_graph` step is the grid's (its sweep engine), and the grid refuses `gpu-accel`.
"""

HEADINGS = (
    "cpu",
    "cpu-intelex",
    "gpu",
    "gpu-accel",
    "cpu on Dask workers",
    "gpu on dask-cuda workers",
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "methods",
        help="show which class runs each step and method on each backend, as a Markdown table",
        description="Read the registry: for each step and method, the class or function each "
        "backend runs, stock where the stock CPU one runs, and a dash where the backend refuses "
        "it (docs/methods.md is this output).",
    )
    p.set_defaults(handler=handle)


def _path(impl: Impl | None, missing: str) -> str:
    return missing if impl is None else f"`{impl.path}`"


def _on_workers(pair: Pair, column: str, is_method: bool) -> str:
    """The cell of a Dask column: refused where the row names no implementation there, or where
    a method's embedding needs all the digits in one process."""
    if not is_method and pair.name in SCORED_ON_THE_CLIENT:
        return STOCK
    if is_method and pair.embedding is not None:
        return REFUSED
    return _path(getattr(pair, column), REFUSED)


def cells(pair: Pair, is_method: bool) -> tuple[str, ...]:
    """`pair`'s cells, one per backend of HEADINGS."""
    return (
        _path(pair.cpu, REFUSED),
        _path(pair.intelex, STOCK),
        _path(pair.gpu, REFUSED),
        REFUSED if pair.name in GRID_STEPS else STOCK,
        _on_workers(pair, "dask", is_method),
        _on_workers(pair, "dask_gpu", is_method),
    )


def table() -> str:
    """The Markdown table: a row per step, then a row per method."""
    rows = [
        "| | " + " | ".join(HEADINGS) + " |",
        "|---" * (len(HEADINGS) + 1) + "|",
    ]
    for kind, pairs in (("step", STEPS), ("method", METHODS)):
        for name, pair in pairs.items():
            row = (f"{kind} `{name}`", *cells(pair, kind == "method"))
            rows.append("| " + " | ".join(row) + " |")
    return "\n".join(rows)


def page() -> str:
    """What `clusterbench methods` prints: the introduction and the table."""
    return f"{INTRO}\n{table()}\n"


def handle(args: argparse.Namespace) -> int:
    print(page(), end="")
    return 0
