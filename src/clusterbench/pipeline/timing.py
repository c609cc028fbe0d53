"""Per-stage wall-clock timings that synchronise the device before each clock read, and the
peak memory of each stage."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from clusterbench.pipeline.memory import DeviceProbe, PeakSampler
from clusterbench.records import StageTimes


class StageTimer:
    """Accumulates seconds per named stage; `sync` waits for queued device work.

    With `memory` set, each stage also records its peak host resident set (and the device's
    readings from `device`) in `peaks`; a stage entered twice keeps the larger peak.
    `on_stage` hears each stage's name as it first starts (progress for long runs)."""

    def __init__(
        self,
        sync: Callable[[], None],
        memory: bool = False,
        device: DeviceProbe | None = None,
        on_stage: Callable[[str], None] | None = None,
    ) -> None:
        self._sync = sync
        self._on_stage = on_stage
        self._sampler = PeakSampler(device) if memory else None
        self.seconds: dict[str, float] = {}
        self.peaks: dict[str, dict[str, int]] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self._on_stage is not None and name not in self.seconds:
            self._on_stage(name)
        self._sync()
        if self._sampler is not None:
            self._sampler.start()
        start = time.perf_counter()
        try:
            yield
        finally:
            self._sync()
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            if self._sampler is not None:
                peaks = self._sampler.stop()
                old = self.peaks.get(name, {})
                self.peaks[name] = {k: max(v, old.get(k, v)) for k, v in peaks.items()}


def timed_fit_predict(
    model: Any, split: Any, synchronize: Callable[[], None]
) -> tuple[Any, StageTimes]:
    """Fit `model` on the split's training digits and predict its test digits: the predicted
    labels and the run's StageTimes (the model's seconds per stage, and the whole, its clock
    stopped once `synchronize` has waited for queued device work)."""
    start = time.perf_counter()
    model.fit(split.X_train, split.y_train)
    y_pred = model.predict(split.X_test)
    synchronize()
    return y_pred, StageTimes(dict(model.timings_), time.perf_counter() - start)
