"""The `clusterbench` command: one subcommand per module; errors are one line, never a traceback.

Exit status: 0 done, 1 a problem with the input or the machine (`clusterbench: error: ...`),
2 a usage error, 130 interrupted, 70 a bug in clusterbench (with where to report it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from clusterbench import __version__
from clusterbench.cli import bench, budget, compare, data, gallery, grid, methods, report, run
from clusterbench.cli.parsing import OneLineParser
from clusterbench.errors import ClusterbenchError
from clusterbench.progress import set_quiet

COMMANDS = (run, budget, grid, bench, report, gallery, compare, data, methods)
REPORT_BUGS = "the issue tracker of the clusterbench repository"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="clusterbench",
        description="Cluster-then-label handwritten digits on CPU (scikit-learn) or GPU (cuML), "
        "timed and scored.",
    )
    parser.add_argument("--version", action="version", version=f"clusterbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    set_quiet(getattr(args, "quiet", False))
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ClusterbenchError as exc:
        print(f"clusterbench: error: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print("clusterbench: error: out of memory; try --subsample N", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clusterbench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, the traceback on request
        if os.environ.get("CLUSTERBENCH_DEBUG"):
            raise
        print(
            f"clusterbench: internal error: {type(exc).__name__}: {exc} (a bug in clusterbench "
            f"{__version__}: please report it, with the traceback CLUSTERBENCH_DEBUG=1 shows, "
            f"to {REPORT_BUGS})",
            file=sys.stderr,
        )
        return 70
