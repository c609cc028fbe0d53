"""`clusterbench gallery`: one run's cluster gallery as a PNG, from its record alone."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gallery",
        help="draw a run's clusters (size, label, purity, a strip of digits each) as a PNG",
    )
    p.add_argument(
        "file", type=Path, metavar="RESULT.json", help="a run record, or a suite record with --case"
    )
    p.add_argument("--case", metavar="NAME", help="the suite case to draw (a suite record)")
    p.add_argument(
        "--plot",
        type=Path,
        default=Path("gallery.png"),
        metavar="PNG",
        help="the PNG to write (--plot, as in budget: --out is always a directory)",
    )
    p.set_defaults(handler=handle)


def run_of(path: Path, case: str | None) -> Any:
    """The run record `path` holds, or its suite's case `case`; one-line errors otherwise."""
    from clusterbench.errors import ClusterbenchError
    from clusterbench.records import RunRecord, SuiteRecord, load_record

    record = load_record(path)
    if isinstance(record, SuiteRecord):
        runs = {c.name: c.record for c in record.cases if isinstance(c.record, RunRecord)}
        if case not in runs:
            raise ClusterbenchError(
                f"{path} is a suite record: name one of its pipeline cases with --case "
                f"({', '.join(runs) or 'it has none'})"
            )
        return runs[case]
    if not isinstance(record, RunRecord):
        raise ClusterbenchError(f"{path}: a {record.KIND} record has no clusters to draw")
    if case is not None:
        raise ClusterbenchError(f"{path} is a run record: --case is for suite records")
    return record


def handle(args: argparse.Namespace) -> int:
    from clusterbench.errors import ClusterbenchError
    from clusterbench.outputs import check_file
    from clusterbench.report.gallery import write_gallery

    record = run_of(args.file, args.case)
    check_file(args.plot, "--plot")
    try:
        path = write_gallery(record, args.plot)
    except ValueError as exc:
        raise ClusterbenchError(f"{args.file}: {exc}") from None
    print(f"written {path}")
    return 0
