"""A scale case's points on Dask workers: strong scaling (a fixed training set on 1, 2, ...
workers) and weak scaling (a fixed number of digits per worker), on a local cluster started
afresh for each point, so that each point's workers hold only its own data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from clusterbench.data import DataOptions
from clusterbench.pipeline.cluster import ClusterSpec
from clusterbench.progress import Log
from clusterbench.records import ScalePoint
from clusterbench.suites.cases import ScaleCase
from clusterbench.suites.scale import point_of, prepare_digits

BASIS = (
    "the first fit+predict at a size on a local Dask cluster of that many worker processes "
    "(single-threaded on the CPU, one per GPU with dask-cuda), started for the point, so the "
    "workers' first use of the libraries is included; the workers load the digits beforehand "
    "(read from the cache, or generated where the size is MNIST's own 60,000 or fewer: load_s, "
    "excluded)"
)


def run_worker_points(
    case: ScaleCase,
    data: DataOptions,
    backend: str,
    repeat: int,
    log: Log,
    checkpoint: Callable[[list[ScalePoint]], None] = lambda points: None,
) -> list[ScalePoint]:
    """Every (workers, size) of the case's strong and weak scaling series, measured in turn;
    a failed point is recorded with its error and the others still run."""
    from clusterbench.pipeline.config import RunConfig
    from clusterbench.pipeline.run import run

    points: list[ScalePoint] = []
    for workers, n, scalings in case.worker_points:
        label = f"scale {case.name}: {n:,} digits on {workers} worker(s) ({', '.join(scalings)})"
        log(label)
        config = RunConfig(
            dataset="infimnist", data=replace(data, n_train=n), method=case.method,
            params=case.params, backend=backend, repeat=repeat,
            cluster=ClusterSpec("local", workers=workers),
        )  # fmt: skip
        try:
            prepare_digits(data, n, log)
            result = run(config, log=lambda message: log(f"  {message}"))
        except Exception as exc:  # noqa: BLE001 - any failure is this point's result, recorded
            reason = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
            log(f"{label} failed: {reason}")
            points.append(ScalePoint(n, "failed", reason, workers=workers, scalings=[*scalings]))
            checkpoint(points)
            continue
        peaks = (result.cluster or {}).get("worker_peak_bytes", {})
        points.append(
            point_of(result, n, workers=workers, scalings=[*scalings], worker_peak_bytes=peaks)
        )
        log(f"{label}: {result.timing.cold.total_s:.1f} s")
        checkpoint(points)
    return points
