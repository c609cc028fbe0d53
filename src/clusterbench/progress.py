"""Progress for long work: live bars on a terminal only, where they cannot garble a log file."""

from __future__ import annotations

import sys
from typing import Any


def on_terminal() -> bool:
    return sys.stderr.isatty()


def progress_bar(total: int, desc: str, unit: str) -> Any:
    """A tqdm bar on stderr, drawn only when stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, smoothing=0.05, disable=not on_terminal())
