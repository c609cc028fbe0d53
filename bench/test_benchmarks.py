"""Benchmarks (pytest-benchmark), run apart from the tests:

    pytest bench/ --benchmark-json=bench.json               # everything, CPU and GPU rows
    pytest bench/ -k "reduced or knn" --benchmark-json=b.json  # the quick ones

Every timed callable ends by synchronising the device, and the accuracy of what was timed goes
with the timing (`extra_info`). GPU rows skip with the reason where no GPU is usable.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from clusterbench.grid.runner import GridConfig, run_grid
from clusterbench.grid.spec import GridSpec
from clusterbench.metrics import labelling_scores
from clusterbench.pipeline.estimator import ClusterThenLabel
from clusterbench.registry import STEPS, Params


def _pipeline(benchmark, backend, split, method: str, params: Params) -> None:
    def fit_predict():
        model = ClusterThenLabel(method, params, backend).fit(split.X_train, split.y_train)
        y_pred = model.predict(split.X_test)
        backend.synchronize()
        return model, y_pred

    model, y_pred = benchmark.pedantic(fit_predict, rounds=3, iterations=1)
    scores = labelling_scores(split.y_test, y_pred, model.n_classes_)
    benchmark.extra_info.update(
        backend=backend.name,
        method=method,
        n_train=split.n_train,
        test_accuracy=scores["test_accuracy"],
    )
    assert scores["test_accuracy"] > 0.2


def test_spectral_pipeline_full_mnist(benchmark, backend, canonical):
    _pipeline(benchmark, backend, canonical, "spectral", Params())


def test_kmeans_pipeline_full_mnist(benchmark, backend, canonical):
    _pipeline(benchmark, backend, canonical, "kmeans", Params())


def test_knn_labelling_step(benchmark, backend, canonical):
    """The KNN step alone: fit on 60,000 training digits' pixels, predict 10,000."""
    xp = backend.xp
    X_train = backend.to_device(canonical.X_train).astype(xp.float32) / 255.0
    X_test = backend.to_device(canonical.X_test).astype(xp.float32) / 255.0
    y_train = backend.to_device(canonical.y_train)

    def knn():
        model = backend.build(STEPS["knn"], Params()).fit(X_train, y_train)
        predicted = model.predict(X_test)
        backend.synchronize()
        return backend.to_host(predicted)

    predicted = benchmark.pedantic(knn, rounds=3, iterations=1)
    accuracy = float(np.mean(predicted == canonical.y_test))
    benchmark.extra_info.update(backend=backend.name, test_accuracy=accuracy)
    assert accuracy > 0.9  # KNN with the true labels: the ceiling of cluster-then-label


@pytest.mark.parametrize(
    ("grid", "eps", "min_samples"),
    [("study", "0.1:5.0:50", "2:202:10"), ("reduced", "1.0:5.0:9", "2:202:40")],
)
def test_dbscan_grid_sweep(benchmark, backend, mnist, grid, eps, min_samples):
    def run():
        with tempfile.TemporaryDirectory() as tmp:
            config = GridConfig(
                spec=GridSpec.parse(eps, min_samples),
                backend=backend.name,
                out=Path(tmp) / "grid.jsonl",
            )
            return run_grid(config, lambda _: None).record

    grid = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        backend=backend.name, configurations=len(grid.rows), best_ari=grid.best()["ari"]
    )
    assert grid.n_failed == 0
