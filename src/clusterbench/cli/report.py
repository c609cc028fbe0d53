"""`clusterbench report`: results/README.md, results.csv and the plots, from result files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from clusterbench.cli import options
from clusterbench.report import DEFAULT_OUT


def _host_pair(text: str) -> Any:
    from clusterbench.report import HostPair

    try:
        return HostPair.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report", help="regenerate results/README.md, results.csv and plots from result files"
    )
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="RESULT.json",
        help="suite (bench) records, run records and bench/ study records; per machine, the "
        "newest suite record per suite and backend is used",
    )
    p.add_argument(
        "--pair",
        action="append",
        type=_host_pair,
        default=[],
        metavar="CPU_HOST:GPU_HOST",
        help="also pair the CPU suites of one machine with the GPU suites of another, labelled "
        "as cross-machine (speedups otherwise pair suites of the same machine only)",
    )
    options.add(
        p, "out", default=DEFAULT_OUT, help="README.md, results.csv and PNGs; made if missing"
    )
    p.add_argument(
        "--html",
        type=Path,
        metavar="PAGE.html",
        help="also write the report as one self-contained HTML page (images inline, no "
        "network needed), with each run's confusion matrix and cluster gallery",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from clusterbench.report import build_report

    for path in build_report(args.files, args.out, args.pair, args.html):
        print(f"written {path}")
    return 0
