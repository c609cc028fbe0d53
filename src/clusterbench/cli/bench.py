"""`clusterbench bench`: a benchmark suite, written as one versioned record."""

from __future__ import annotations

import argparse
from typing import Any

from clusterbench.backends import BACKENDS
from clusterbench.cli import options
from clusterbench.data import DataOptions
from clusterbench.suites import file as suite_file
from clusterbench.suites.run import SuiteConfig

DEFAULTS = SuiteConfig()


def add_parser(sub: Any) -> None:
    shipped = suite_file.summaries()
    p = sub.add_parser(
        "bench",
        help="run a benchmark suite and write one versioned JSON into --out",
        description="Run every case of a suite (the pipeline per method, repeated; a DBSCAN "
        "grid; a labelling-budget curve; a method over growing InfiMNIST sizes) on a backend, "
        "and write <date>T<time>-<host>-<backend>-<suite>.json with per-stage timings, peak "
        "memory, accuracy and the environment, rewritten as each case finishes. Suites are "
        "TOML files: "
        + "; ".join(f"{n}: {', '.join(cases)}" for n, (_, cases) in shipped.items())
        + ".",
    )
    p.add_argument(
        "--suite",
        default=DEFAULTS.suite,
        metavar="NAME|FILE.toml",
        help="; ".join(f"{name}: {text}" for name, (text, _) in shipped.items())
        + "; or a suite file of your own (see README, 'Suites are files')",
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
    options.add(p, "repeat", help="(default: the suite's own)")
    options.add(p, "data_dir")
    options.add(p, "out", default=DEFAULTS.out, help="made if missing")
    options.add(p, "quiet")
    options.add_cluster(
        p,
        None,
        "runs the suite's pipeline cases on Dask workers, and with local its scale "
        "cases' strong and weak scaling points (strong_n, weak_n_per_worker)",
    )
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
    return SuiteConfig(
        args.suite,
        DataOptions(args.data_dir),
        backends,
        args.repeat,
        args.out,
        options.cluster_spec(args),
    )


def handle(args: argparse.Namespace) -> int:
    from clusterbench.suites.run import run_suite

    for path in run_suite(config(args), options.log(args)):
        print(f"written {path}")
    return 0
