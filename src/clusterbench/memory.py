"""Peak memory of a stage: the process's resident set on the host and, on the GPU, the device.

A sampler thread reads the resident set size (psutil) and the backend's device counters every
few milliseconds while a stage runs; a stage's peak is the largest value seen, its start and end
included. A spike shorter than the sampling interval can be missed: the figures are lower bounds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psutil

SAMPLE_INTERVAL_S = 0.005
DeviceProbe = Callable[[], dict[str, int]]  # e.g. {"device_used_bytes": ..., "pool_bytes": ...}


class PeakSampler:
    """Tracks the peak of each reading between `start()` and `stop()`."""

    def __init__(self, device: DeviceProbe | None = None) -> None:
        self._process = psutil.Process()
        self._device = device
        self._peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        values = {"host_rss_bytes": self._process.memory_info().rss}
        if self._device is not None:
            values.update(self._device())
        for key, value in values.items():
            if value > self._peak.get(key, -1):
                self._peak[key] = value

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL_S):
            self._sample()

    def start(self) -> None:
        self._peak = {}
        self._stop.clear()
        self._sample()
        self._thread = threading.Thread(target=self._loop, name="peak-memory", daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, int]:
        """The peaks since `start()`: host_rss_bytes, and the device's readings if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        return {f"peak_{key}": value for key, value in self._peak.items()}
