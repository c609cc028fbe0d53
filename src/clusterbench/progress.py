"""Progress for long work: live bars on a terminal only, where they cannot garble a log file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

Log = Callable[[str], None]  # where a long piece of work says what it is doing, line by line

_quiet = False


def set_quiet(quiet: bool) -> None:
    """--quiet: no bars either (the CLI sets it once, before any work)."""
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


def on_terminal() -> bool:
    """Whether live progress may be drawn: stderr is a terminal and nobody asked for quiet."""
    return not _quiet and sys.stderr.isatty()


def progress_bar(total: int, desc: str, unit: str) -> Any:
    """A tqdm bar on stderr, drawn only when stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, smoothing=0.05, disable=not on_terminal())


def stderr_log(message: str) -> None:
    """The command line's Log: one line on stderr, flushed (the user sees it as it happens)."""
    print(message, file=sys.stderr, flush=True)


def wait_with_progress(futures: list, what: str) -> None:
    """Wait for Dask futures, with a bar on a terminal (the dashboard shows more)."""
    from distributed import as_completed, futures_of

    pending = [f for item in futures for f in futures_of(item)]
    with progress_bar(len(pending), what, "partition") as bar:
        for _ in as_completed(pending):
            bar.update(1)
