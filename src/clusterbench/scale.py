"""A scale case: one method on InfiMNIST training sets of growing size, each point timed per
stage with its peak memory, until a point exceeds the time budget.

Before the first size an untimed warm-up fit on a small MNIST sample pays the one-off costs
(imports, thread pools, JIT compilation) that would otherwise fall on the smallest point and
bend every fitted exponent. A size whose memory, extrapolated from the last two points, would
not fit in this machine's memory is skipped rather than risk the whole suite to the kernel's
out-of-memory killer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import psutil

from clusterbench.data import DataOptions
from clusterbench.record import ScalePoint, ScaleRecord
from clusterbench.suite_file import ScaleCase

Log = Callable[[str], None]
WARMUP_DIGITS = 2_000
MEMORY_FRACTION = 0.8  # of the machine's memory, the most a point may be predicted to need
BASIS = (
    "each fit+predict at a training-set size, after an untimed warm-up fit of the same method "
    f"on {WARMUP_DIGITS:,} MNIST digits in the same process; loading and generating the "
    "digits excluded (load_s)"
)


def peak_bytes(point: ScalePoint) -> int:
    """The point's largest host peak over its stages."""
    return max((m.get("peak_host_rss_bytes", 0) for m in point.memory.values()), default=0)


def predicted_peak(points: list[ScalePoint], n: int) -> tuple[int, float] | None:
    """The peak memory at `n` extrapolated on log-log axes from the last two measured points
    (growth taken as at least linear), with that exponent; None before two points."""
    measured = [p for p in points if p.measured and peak_bytes(p) > 0]
    if len(measured) < 2:
        return None
    a, b = measured[-2], measured[-1]
    slope = math.log(peak_bytes(b) / peak_bytes(a)) / math.log(b.n_train / a.n_train)
    slope = max(slope, 1.0)
    return round(peak_bytes(b) * (n / b.n_train) ** slope), slope


def run_scale(
    case: ScaleCase,
    data: DataOptions,
    backend: str,
    repeat: int,
    log: Log,
    checkpoint: Callable[[ScaleRecord], None] = lambda record: None,
) -> ScaleRecord:
    """The case's record; `checkpoint` gets the record so far after every size, so that a
    stopped suite keeps the sizes it measured."""
    from clusterbench.runner import RunConfig, run

    def config(**changes: object) -> RunConfig:
        base = RunConfig(method=case.method, params=case.params, backend=backend, repeat=repeat)
        return replace(base, **changes)

    log(f"scale {case.name}: warm-up fit on {WARMUP_DIGITS:,} MNIST digits (untimed)")
    run(config(data=data, subsample=WARMUP_DIGITS, repeat=1), log=lambda message: None)
    limit = MEMORY_FRACTION * psutil.virtual_memory().total
    points: list[ScalePoint] = []
    params = record_params(case)

    def record() -> ScaleRecord:
        return ScaleRecord(case.method, backend, params, case.budget_s, BASIS, list(points))

    stop_reason: str | None = None
    for n in case.sizes:
        if points:
            checkpoint(record())
        if stop_reason is not None:
            points.append(ScalePoint(n, "skipped", stop_reason))
            continue
        prediction = predicted_peak(points, n)
        if prediction is not None and prediction[0] > limit:
            reason = (
                f"predicted peak memory {prediction[0] / 2**30:.1f} GiB (growth N^"
                f"{prediction[1]:.2f} over the last two sizes) exceeds {MEMORY_FRACTION:.0%} of "
                f"this machine's {psutil.virtual_memory().total / 2**30:.1f} GiB"
            )
            log(f"scale {case.name}: {n:,} digits skipped: {reason}")
            points.append(ScalePoint(n, "skipped", reason))
            stop_reason = f"a smaller size was skipped ({n:,} digits)"
            continue
        log(f"scale {case.name}: {n:,} training digits")
        try:
            result = run(config(dataset="infimnist", data=replace(data, n_train=n)), log=log)
        except Exception as exc:  # noqa: BLE001 - any failure is this size's result, recorded
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
            log(f"scale {case.name}: {n:,} digits failed: {reason}")
            points.append(ScalePoint(n, "failed", reason))
            stop_reason = f"a smaller size failed ({n:,} digits)"
            continue
        timing = result.timing
        first = timing.cold.total_s
        over = first > case.budget_s
        point = ScalePoint(
            n_train=n,
            status="over budget" if over else "measured",
            reason=f"{first:.0f} s > budget {case.budget_s:.0f} s" if over else None,
            fingerprint=result.data.fingerprint,
            n_test=result.data.n_test,
            load_s=timing.load_s,
            runs=[timing.cold, *timing.warm],
            memory=result.memory,
            metrics=result.metrics,
        )
        params = result.params  # what the runs used, decided on their data
        points.append(point)
        if over:
            stop_reason = f"{n:,} digits took {first:.0f} s, over the {case.budget_s:.0f} s budget"
            log(f"scale {case.name}: {stop_reason}; no larger sizes")
    return record()


def record_params(case: ScaleCase) -> dict[str, object]:
    """The parameters every point ran with (the PCA default decided as a run decides it)."""
    from clusterbench.data.infimnist import PIXELS
    from clusterbench.params import with_pca_for
    from clusterbench.registry import method_params

    return method_params(case.method, with_pca_for(case.params, case.sizes[0], PIXELS))
