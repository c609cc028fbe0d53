"""`clusterbench data`: verify a data directory and show what it holds."""

from __future__ import annotations

import argparse
from typing import Any

from clusterbench.cli import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("data", help="verify a data directory and show what it holds")
    options.add(p, "data_dir", help="mnist: the directory to check; idx: required")
    options.add(
        p,
        "dataset",
        default="mnist",
        help="mnist checks structure and SHA-256, idx "
        "structure only; the others are not directories",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from clusterbench.data.datasets import describe

    print(describe(args.dataset, args.data_dir))
    return 0
