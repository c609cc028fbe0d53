"""Typed record fixtures for the report and compare tests, built as the producers build them."""

from __future__ import annotations

from dataclasses import replace

from clusterbench.records import (
    BudgetPoint,
    BudgetRecord,
    DataInfo,
    Environment,
    RunRecord,
    StageTimes,
    SuiteCase,
    SuiteRecord,
    Timing,
)

DATA = DataInfo("mnist", "f" * 64, "/data", "canonical", 10000, 137, 10000, 1667)


def environment(host: str, gpu: str | None = None) -> Environment:
    return Environment(
        machine={
            "hostname": host,
            "cpu_model": "Some CPU",
            "cpu_count": 2,
            "affinity_cpus": 2,
            "python": "3.11.7",
            "platform": "Linux",
            "blas": [{"internal_api": "openblas", "num_threads": 2}],
        },
        libraries={"numpy": "2.4.6", "sklearn": "1.9.1", "cuml": "26.10.0" if gpu else None},
        clusterbench="0.1.0",
        code={"commit": "0123456789abcdef", "dirty": False, "source": "build"},
        gpu={"gpu_name": gpu, "gpu_memory_bytes": 141 * 2**30} if gpu else None,
    )


def run_case(method: str, cluster_s: float, accuracy: float, ari: float) -> RunRecord:
    """Warm runs take 0.9 and 1.1 times `cluster_s` in the cluster stage (median `cluster_s`);
    the cold run takes 1.5 times, so cold and warm figures can be told apart."""
    base = {"transfer": 0.1, "pca": 1.0, "label": 0.01, "knn": 2.0}

    def times(cluster: float) -> StageTimes:
        stages = {**base, "cluster": cluster}
        return StageTimes(stages, sum(stages.values()))

    return RunRecord(
        data=DATA,
        backend="cpu",
        backend_reason="test",
        method=method,
        params={"n_components": 100, "knn": 50, "seed": 137},
        metrics={"test_accuracy": accuracy, "ari": ari},
        timing=Timing(
            0.5, times(1.5 * cluster_s), [times(0.9 * cluster_s), times(1.1 * cluster_s)]
        ),
        memory={"cluster": {"peak_host_rss_bytes": 512 * 2**20}},
    )


def budget_case(accuracies: dict[int, float]) -> BudgetRecord:
    points = [BudgetPoint(k, k, a, a, 0.8, 1.0, 1.0) for k, a in accuracies.items()]
    memory = {"embed": {"peak_host_rss_bytes": 2**30}}
    return BudgetRecord(DATA, "cpu", "umap-kmeans", {"knn": 5}, 0.5, 30.0, points, memory)


def suite(
    backend: str, factor: float, accuracy: float = 0.74, host: str = "box", suite: str = "quick"
) -> SuiteRecord:
    gpu = "NVIDIA H200" if backend == "gpu" else None
    cases = [
        SuiteCase(
            "kmeans", replace(run_case("kmeans", 10.0 / factor, 0.62, 0.36), backend=backend)
        ),
        SuiteCase(
            "spectral",
            replace(run_case("spectral", 40.0 / factor, accuracy, 0.64), backend=backend),
        ),
        SuiteCase("budget", replace(budget_case({10: 0.86, 20: 0.96}), backend=backend)),
    ]
    return SuiteRecord(
        suite, backend, 3, cases, environment(host, gpu), "2026-11-29T12:00:00+00:00"
    )
