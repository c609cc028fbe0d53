"""Progress for long work: live bars on a terminal only, where they cannot garble a log file."""

from __future__ import annotations

import sys
from typing import Any

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
