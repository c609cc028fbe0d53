"""Per-stage wall-clock timings that synchronise the device before each clock read."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class StageTimer:
    """Accumulates seconds per named stage; `sync` waits for queued device work."""

    def __init__(self, sync: Callable[[], None]) -> None:
        self._sync = sync
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._sync()
        start = time.perf_counter()
        try:
            yield
        finally:
            self._sync()
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
