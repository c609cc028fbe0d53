"""A scale case: one method on InfiMNIST training sets of growing size, each point timed per
stage with its peak memory, until a point exceeds the time budget.

Each size runs in a fresh process of its own: its memory is its own (a process that has freed a
large case keeps much of it resident, which would count against the next one), and if the
kernel kills it for memory the suite records that and goes on. In that process an untimed
warm-up fit on MNIST digits first pays the one-off costs (imports, thread pools, numba's JIT
compilation; 5,000 digits, past the size below which UMAP computes exact neighbours and
compiles nothing of NN-descent) that would otherwise fall on the timed run. A size whose memory,
extrapolated from the last two points, would not fit in this machine's memory is skipped.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any

import psutil

from clusterbench import progress
from clusterbench.data import DataOptions
from clusterbench.progress import Log
from clusterbench.records import ScalePoint, ScaleRecord
from clusterbench.suites.cases import ScaleCase

WARMUP_DIGITS = 5_000
MEMORY_FRACTION = 0.8  # of the machine's memory, the most a point may be predicted to need
BASIS = (
    "each fit+predict at a training-set size, in a fresh process per size after an untimed "
    f"warm-up fit of the same method on {WARMUP_DIGITS:,} MNIST digits there; loading and "
    "generating the digits excluded (load_s)"
)


def measure(config: Any, quiet: bool) -> Any:
    """In the point's own process: the warm-up fit, then the timed runs' RunRecord."""
    from clusterbench.pipeline.run import run
    from clusterbench.progress import stderr_log

    def log(message: str) -> None:
        return None if quiet else stderr_log(f"  {message}")

    progress.set_quiet(quiet)
    warm_up = replace(config, dataset="mnist", data=replace(config.data, n_train=None))
    run(replace(warm_up, subsample=WARMUP_DIGITS, repeat=1), log=lambda message: None)
    return run(config, log=log)


def prepare_digits(data: DataOptions, n: int, log: Log) -> None:
    """Generate InfiMNIST's first n digits into the cache where missing (on Dask workers this
    process starts; a point's own process is left to measure)."""
    from clusterbench.data import infimnist, mnist
    from clusterbench.data.infimnist_store import Store

    if n > infimnist.N_SOURCE:
        directory = mnist.locate(data.data_dir)
        Store.for_mnist(directory).ensure(directory, n, log)


def in_own_process(config: Any) -> Any:
    """`measure` in a fresh process (spawned: nothing inherited but the environment)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(measure, config, progress.is_quiet()).result()


def point_of(
    result: Any, n: int, status: str = "measured", reason: str | None = None, **more: Any
) -> ScalePoint:
    """The scale point of a run's record (`more`: the fields of a point on Dask workers)."""
    timing = result.timing
    return ScalePoint(
        n_train=n,
        status=status,
        reason=reason,
        fingerprint=result.data.fingerprint,
        n_test=result.data.n_test,
        load_s=timing.load_s,
        runs=[timing.cold, *timing.warm],
        memory=result.memory,
        metrics=result.metrics,
        **more,
    )


def peak_bytes(point: ScalePoint) -> int:
    return point.peak_bytes()["peak"]


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
    from clusterbench.pipeline.config import RunConfig

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
        log(f"scale {case.name}: {n:,} training digits, in a process of its own")
        config = RunConfig(
            dataset="infimnist", data=replace(data, n_train=n), method=case.method,
            params=case.params, backend=backend, repeat=repeat,
        )  # fmt: skip
        try:
            prepare_digits(data, n, log)  # here: the point's process only reads the cache
            result = in_own_process(config)
        except BrokenProcessPool:
            reason = "its process died (killed by the system: out of memory?)"
            log(f"scale {case.name}: {n:,} digits failed: {reason}")
            points.append(ScalePoint(n, "failed", reason))
            stop_reason = f"a smaller size failed ({n:,} digits)"
            continue
        except Exception as exc:  # noqa: BLE001 - any failure is this size's result, recorded
            reason = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
            log(f"scale {case.name}: {n:,} digits failed: {reason}")
            points.append(ScalePoint(n, "failed", reason))
            stop_reason = f"a smaller size failed ({n:,} digits)"
            continue
        timing = result.timing
        first = timing.cold.total_s
        over = first > case.budget_s
        point = point_of(
            result,
            n,
            "over budget" if over else "measured",
            f"{first:.0f} s > budget {case.budget_s:.0f} s" if over else None,
        )
        params = result.params  # what the runs used, decided on their data
        points.append(point)
        peak = peak_bytes(point) / 2**30
        log(f"scale {case.name}: {n:,} digits: {first:.1f} s, peak {peak:.2f} GiB")
        if over:
            stop_reason = f"{n:,} digits took {first:.0f} s, over the {case.budget_s:.0f} s budget"
            log(f"scale {case.name}: {stop_reason}; no larger sizes")
    return record()


def record_params(case: ScaleCase) -> dict[str, object]:
    """The parameters every point ran with (the PCA default decided as a run decides it)."""
    from clusterbench.data.infimnist import PIXELS
    from clusterbench.registry import method_params
    from clusterbench.registry.params import with_pca_for

    return method_params(case.method, with_pca_for(case.params, case.sizes[0], PIXELS))
