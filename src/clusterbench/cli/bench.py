"""`clusterbench bench`: a benchmark suite, written as one versioned record."""

from __future__ import annotations

import argparse
from typing import Any

from clusterbench.cli import options
from clusterbench.data import DataOptions
from clusterbench.suite import SUITES, SuiteConfig

DEFAULTS = SuiteConfig()


def add_parser(sub: Any) -> None:
    cases = "; ".join(f"{name}: {', '.join(c.name for c in s)}" for name, s in SUITES.items())
    p = sub.add_parser(
        "bench",
        help="run a benchmark suite and write one versioned JSON into --out",
        description="Run every case of a suite (the pipeline per method, repeated; a DBSCAN "
        "grid; a labelling-budget curve) on one backend, and write "
        "<date>T<time>-<host>-<backend>-<suite>.json with cold and warm timings, accuracy and "
        f"the environment. Cases: {cases}.",
    )
    p.add_argument(
        "--suite",
        choices=list(SUITES),
        default=DEFAULTS.suite,
        help="quick: an MNIST subsample of 10,000 (minutes); full: all of MNIST and the study's "
        "grid",
    )
    options.add(p, "backend", default=DEFAULTS.backend)
    options.add(p, "repeat", default=DEFAULTS.repeat)
    options.add(p, "data_dir")
    options.add(p, "out", default=DEFAULTS.out, help="made if missing")
    options.add(p, "quiet")
    p.set_defaults(handler=handle)


def config(args: argparse.Namespace) -> SuiteConfig:
    return SuiteConfig(args.suite, DataOptions(args.data_dir), args.backend, args.repeat, args.out)


def handle(args: argparse.Namespace) -> int:
    from clusterbench.suite import run_suite

    print(f"written {run_suite(config(args), options.log(args))}")
    return 0
