"""Measure the margins of the tests whose thresholds depend on a stochastic method.

Each case is the configuration of one test (tests/test_pipeline.py, tests/test_umap.py), run over
a range of seeds (the seed drives the split, PCA, UMAP and the clustering alike) and twice at
the test's own seed (is it repeatable?). A test's threshold should sit below the lowest value
seen here, with the margin stated in the test.

    python bench/threshold_margins.py --data-dir ../shared/data/mnist [--seeds 0:10] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clusterbench.backends import Backend
from clusterbench.data import DataOptions
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.run import run
from clusterbench.records import Environment, StudyRecord
from clusterbench.registry import Params
from clusterbench.suites.budget import labelling_budget

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' bounds: tests/
from tests import thresholds as T  # noqa: E402


@dataclass(frozen=True)
class Case:
    test: str
    config: RunConfig
    thresholds: dict[str, float]  # metric -> the test's lower bound


def cases(mnist: DataOptions) -> list[Case]:
    digits = "tests/test_pipeline.py::test_each_method_labels_digits"
    umap = "tests/test_umap.py::test_umap_methods_label_digits"
    umap_params = Params(n_components=30, min_cluster_size=20)
    return [
        Case(
            f"{digits}[kmeans]",
            RunConfig("digits", method="kmeans", params=Params(30)),
            {"test_accuracy": T.DIGITS_ACCURACY["kmeans"]},
        ),
        Case(
            f"{digits}[spectral]",
            RunConfig("digits", method="spectral", params=Params(30)),
            {"test_accuracy": T.DIGITS_ACCURACY["spectral"]},
        ),
        Case(
            "tests/test_pipeline.py::test_record_has_the_documented_fields",
            RunConfig("digits", method="kmeans", params=Params(20)),
            {"ari": T.DIGITS_KMEANS_ARI},
        ),
        *(
            Case(
                f"{umap}[{m}]",
                RunConfig("digits", method=m, params=umap_params),
                {"test_accuracy": T.UMAP_DIGITS_ACCURACY[m]},
            )
            for m in ("umap-kmeans", "umap-spectral", "umap-hdbscan")
        ),
        Case(
            "tests/test_pipeline.py::test_real_mnist_subsample_end_to_end",
            RunConfig(data=mnist, subsample=6000, method="spectral", backend="cpu"),
            T.MNIST_SPECTRAL,
        ),
        Case(
            "tests/test_umap.py::test_umap_kmeans_on_an_mnist_subsample",
            RunConfig(
                data=mnist, subsample=5000, method="umap-kmeans", params=Params(n_clusters=20)
            ),
            {"test_accuracy": T.MNIST_UMAP_KMEANS_ACCURACY},
        ),
    ]


def measure(config: RunConfig) -> dict[str, float]:
    metrics = run(config, log=lambda _: None).metrics
    return {name: metrics[name] for name in ("test_accuracy", "ari")}


def budget_min(seed: int) -> dict[str, float]:
    """tests/test_umap.py::test_budget_curve_embeds_once_and_draws: the lowest accuracy of
    its curve (>= 0.7), and whether purity grew with K (1 or 0)."""
    config = RunConfig("digits", params=Params(n_components=30, seed=seed), method="umap-kmeans")
    points = labelling_budget(config, [10, 20, 40], log=lambda _: None).points
    purity = [p.train_purity for p in points]
    return {
        "test_accuracy": min(p.test_accuracy for p in points),
        "purity_grows": float(purity == sorted(purity)),
    }


def with_seed(config: RunConfig, seed: int) -> RunConfig:
    return replace(config, params=replace(config.params, seed=seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("CLUSTERBENCH_DATA_DIR"))
    parser.add_argument("--seeds", default="0:10", help="START:STOP, plus the tests' seed 137")
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()
    start, stop = map(int, args.seeds.split(":"))
    seeds = [*range(start, stop), 137, 137]  # 137 twice: the tests' seed, and is it repeatable?
    rows: list[dict[str, Any]] = []
    budget = Case(
        "tests/test_umap.py::test_budget_curve_embeds_once_and_draws",
        RunConfig(),
        {"test_accuracy": T.BUDGET_ACCURACY, "purity_grows": 1.0},
    )
    for case in [*cases(DataOptions(args.data_dir)), budget]:
        values = []
        for seed in seeds:
            began = time.perf_counter()
            value = budget_min(seed) if case is budget else measure(with_seed(case.config, seed))
            values.append({"seed": seed, **value, "seconds": time.perf_counter() - began})
        summary = {
            metric: {
                "threshold": bound,
                "min": min(v[metric] for v in values),
                "max": max(v[metric] for v in values),
                "at_137": [v[metric] for v in values if v["seed"] == 137],
                "margin": min(v[metric] for v in values) - bound,
            }
            for metric, bound in case.thresholds.items()
        }
        rows.append({"test": case.test, "seeds": seeds, "runs": values, "summary": summary})
        for metric, s in summary.items():
            print(
                f"{case.test} {metric}: min {s['min']:.4f} max {s['max']:.4f} at 137 "
                f"{s['at_137']} threshold {s['threshold']} margin {s['margin']:+.4f}",
                flush=True,
            )
    record = StudyRecord("threshold-margins", {"cases": rows}, Environment.collect(Backend()))
    print(f"written {record.write_into(args.out)}")


if __name__ == "__main__":
    main()
