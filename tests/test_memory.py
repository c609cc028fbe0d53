"""Peak memory per stage: a stage's peak includes what it held, and is reset between stages."""

from __future__ import annotations

import time

import numpy as np
import pytest

from clusterbench.pipeline import memory
from clusterbench.pipeline.timing import StageTimer

MIB = 2**20


def touch(mib: int) -> np.ndarray:
    return np.ones(mib * MIB, dtype=np.uint8)  # written, so resident


@pytest.mark.parametrize("kernel_peak", [True, False], ids=["kernel", "sampled"])
def test_each_stage_has_its_own_peak(monkeypatch, kernel_peak):
    if not kernel_peak:
        monkeypatch.setattr(memory, "reset_peak_rss", lambda: False)
    timer = StageTimer(lambda: None, memory=True)
    with timer.stage("big"):
        block = touch(300)
        time.sleep(0.1)  # the sampling thread's interval is 20 ms
        del block
    with timer.stage("small"):
        block = touch(20)
        time.sleep(0.1)
        del block
    big, small = (
        timer.peaks["big"]["peak_host_rss_bytes"],
        timer.peaks["small"]["peak_host_rss_bytes"],
    )
    assert big - small > 250 * MIB  # the small stage's peak does not carry the big one's
    assert small > 20 * MIB


def test_a_device_probe_is_sampled_while_the_stage_runs():
    readings = iter(range(1, 10**6))
    timer = StageTimer(
        lambda: None, memory=True, device=lambda: {"device_used_bytes": next(readings)}
    )
    with timer.stage("gpu"):
        time.sleep(0.1)
    assert timer.peaks["gpu"]["peak_device_used_bytes"] >= 4  # start, >= 2 samples, end
