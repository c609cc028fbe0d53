"""The report's table of runs on Dask workers: seconds per stage, each worker's peak memory
beside the client's, and how the workers got the digits."""

from __future__ import annotations

from clusterbench.records import RunRecord
from clusterbench.report.markdown import num, table
from clusterbench.report.text import solvers_text

GIB = 2**30


def worker_peaks(record: RunRecord) -> dict[str, int]:
    """Each worker's peak resident bytes over all stages of the cold run."""
    peaks: dict[str, int] = {}
    for stage in (record.cluster or {}).get("worker_peak_bytes", {}).values():
        for worker, value in stage.items():
            peaks[worker] = max(value, peaks.get(worker, 0))
    return peaks


def dask_runs_table(runs: list[RunRecord]) -> list[str]:
    stages = list(dict.fromkeys(s for r in runs for s in r.timing.cold.stages))
    rows = []
    for r in runs:
        cluster = r.cluster or {}
        peaks = worker_peaks(r)
        limits = [w.get("memory_limit_bytes") or 0 for w in cluster.get("workers", {}).values()]
        client = max((m.get("peak_host_rss_bytes", 0) for m in r.memory.values()), default=0)
        rows.append(
            [r.method, r.backend, f"{r.data.dataset}", f"{r.data.n_train:,}", str(len(peaks))]
            + [num(r.timing.cold.stages.get(s)) for s in stages]
            + [num(r.timing.cold.total_s), num(r.timing.load_s)]
            + [", ".join(f"{p / GIB:.2f}" for p in peaks.values())]
            + [f"{max(limits, default=0) / GIB:.1f}", f"{client / GIB:.2f}"]
            + [num(r.metrics["test_accuracy"], 4), num(r.metrics.get("train_purity"), 4)]
            + [r.params.get("knn_space", ""), cluster.get("digits", "")]
            + [solvers_text(r.solvers)]
        )
    header = ["method", "backend", "data", "training digits", "workers"]
    header += [f"{s} s" for s in stages] + ["cold total s", "load s"]
    header += ["peak GiB per worker", "worker limit GiB", "client peak GiB"]
    header += ["test accuracy", "train purity", "KNN space", "digits", "solvers"]
    return table(header, rows)
