"""`clusterbench bench`: a benchmark suite, written as one versioned record."""

from __future__ import annotations

import argparse
from typing import Any

from clusterbench.backends import BACKENDS
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
    which = p.add_mutually_exclusive_group()
    options.add(which, "backend", default=DEFAULTS.backends[0])
    which.add_argument(
        "--backends",
        type=_backends,
        metavar="B,B,...",
        help="several backends in one go, e.g. cpu,cpu-intelex: each case runs on all of them "
        "before the next, alternating their order; one record per backend",
    )
    options.add(p, "repeat", default=DEFAULTS.repeat)
    options.add(p, "data_dir")
    options.add(p, "out", default=DEFAULTS.out, help="made if missing")
    options.add(p, "quiet")
    p.set_defaults(handler=handle)


def _backends(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in BACKENDS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"expected backends from {', '.join(BACKENDS)} like cpu,cpu-intelex, got {text!r}"
        )
    return names


def config(args: argparse.Namespace) -> SuiteConfig:
    backends = tuple(args.backends) if args.backends else (args.backend,)
    return SuiteConfig(args.suite, DataOptions(args.data_dir), backends, args.repeat, args.out)


def handle(args: argparse.Namespace) -> int:
    from clusterbench.suite import run_suite

    for path in run_suite(config(args), options.log(args)):
        print(f"written {path}")
    return 0
