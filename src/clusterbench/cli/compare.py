"""`clusterbench compare`: two results of one kind side by side; exit 1 where they differ."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from clusterbench.cli.parsing import value_of
from clusterbench.parity.compare import Tolerances
from clusterbench.registry.params import Option

DEFAULTS = Tolerances()
TOLERANCE = Option("TOL", float, "", minimum=0)
RATIO = Option("R", float, "", above=0)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="two results of one kind side by side; exit 1 when accuracy, ARI, data or "
        "parameters differ (or, with --time-tol, when B is slower)",
    )
    p.add_argument(
        "a",
        type=Path,
        metavar="A",
        help="a run, suite, budget or grid-engines record (.json), or a grid file (.jsonl)",
    )
    p.add_argument("b", type=Path, metavar="B", help="a result of the same kind")
    for flag, default, what in (
        ("--accuracy-tol", DEFAULTS.accuracy, "test-accuracy"),
        ("--ari-tol", DEFAULTS.ari, "ARI"),
    ):
        p.add_argument(
            flag,
            type=value_of(TOLERANCE),
            default=default,
            metavar="TOL",
            help=f"largest allowed {what} gap, for every method (default: each method's "
            "tolerance, README: Tolerances)",
        )
    p.add_argument(
        "--time-tol",
        type=value_of(RATIO),
        metavar="R",
        help="also fail when B's warm median time is more than R times A's and the two warm "
        "ranges do not overlap (runs and pipeline cases with warm runs) (default: off)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from clusterbench.parity.compare import compare

    result = compare(args.a, args.b, Tolerances(args.accuracy_tol, args.ari_tol, args.time_tol))
    print("\n".join(result.lines))
    if result.problems:
        for problem in result.problems:
            print(f"MISMATCH {problem}")
        print(f"clusterbench compare: {len(result.problems)} difference(s) beyond tolerance")
        return 1
    print("clusterbench compare: the results agree within tolerance")
    return 0
