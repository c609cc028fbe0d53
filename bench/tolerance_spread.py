"""Measure what the tolerance policy (clusterbench/parity/tolerances.py) must cover, on the CPU.

1. The fast UMAP path's spread: with `--umap-mode fast` UMAP gets no seed, so each run lays
   out a different embedding of the same digits. The same split, PCA and seed (which seeds
   k-means, spectral clustering and the labelling), UMAP run `--runs` times unseeded: the range
   of test accuracy and ARI of each UMAP method over those runs is the run-to-run spread that a
   comparison of two fast runs meets on top of any difference between backends. One seeded
   (deterministic) run beside them says where the default path lands.
2. The eigensolver's share of a spectral gap: the CPU runs pyamg's AMG, cuML runs Lanczos.
   Without a GPU, scikit-learn's ARPACK (implicitly restarted Lanczos) stands in for it: the
   same pipeline with only the eigensolver changed, over `--seeds`, gives the gap a change of
   eigensolver makes (a proxy for cuML's, which a GPU run has to confirm).

Every UMAP method clusters each embedding (one UMAP per run); umap-hdbscan's
min_cluster_size is scaled to the subsample (`--min-cluster-size`, 150 of 9,000 digits is the
default's 1,000 of 60,000).

    python bench/tolerance_spread.py --data-dir ../shared/data/mnist [--subsample 10000]
        [--runs 4] [--seeds 137,0,1] [--out results]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from clusterbench.backends import Backend
from clusterbench.data import DataOptions, load_dataset, make_split
from clusterbench.metrics import contingency_scores, labelling_scores
from clusterbench.pipeline.checks import fit_params
from clusterbench.pipeline.estimator import ClusterThenLabel
from clusterbench.records import Environment, StudyRecord
from clusterbench.registry import CPU_EIGENSOLVER, METHODS, Pair, Params

UMAP_METHODS = [name for name, row in METHODS.items() if row.embedding == "umap"]
UMAP_PARAMS = ("n_components", "umap_components", "umap_neighbors", "umap_min_dist", "n_clusters")
STAND_IN = "arpack"  # scikit-learn's Lanczos (ARPACK's eigsh), for cuML's


class EigensolverBackend(Backend):
    """The CPU backend with the spectral rows' eigen_solver replaced (the rest as registered)."""

    def __init__(self, eigen_solver: str) -> None:
        super().__init__(f"cpu, eigen_solver={eigen_solver}")
        self.eigen_solver = eigen_solver

    def build(self, pair: Pair, params: Any) -> Any:
        estimator = super().build(pair, params)
        if pair.name in ("spectral", "umap-spectral"):
            estimator.set_params(eigen_solver=self.eigen_solver)
            self.solvers["eigensolver"] = self.eigen_solver
        return estimator


def scores(model: ClusterThenLabel, split: Any) -> dict[str, float]:
    y_pred = model.predict(split.X_test)
    ids = model.backend.to_host(model.cluster_ids_)
    return {
        "test_accuracy": labelling_scores(split.y_test, y_pred, model.n_classes_)["test_accuracy"],
        "ari": contingency_scores(split.y_train, ids)["ari"],
        "n_clusters": model.n_clusters_,
    }


def spread(values: list[float]) -> dict[str, float]:
    return {
        "min": min(values),
        "max": max(values),
        "range": max(values) - min(values),
        "median": statistics.median(values),
    }


def umap_runs(split: Any, params: Params, modes: list[str], log: Any) -> list[dict[str, Any]]:
    """One UMAP per entry of `modes`; each embedding clustered by every UMAP method."""
    runs = []
    for i, mode in enumerate(modes, start=1):
        backend = Backend("cpu")
        mode_params = replace(params, umap_mode=mode)
        began = time.perf_counter()
        embedder = ClusterThenLabel("umap-kmeans", mode_params, backend)
        knn_points, features = embedder.embed(split.X_train)
        embed_s = time.perf_counter() - began
        methods = {}
        for method in UMAP_METHODS:
            model = ClusterThenLabel(method, mode_params, backend)
            model.fit_embedded(knn_points, features, split.y_train, pca=embedder.pca_)
            methods[method] = scores(model, split)
        runs.append({"run": i, "mode": mode, "embed_s": embed_s, "methods": methods})
        log(f"UMAP run {i}/{len(modes)} ({mode}, {embed_s:.0f} s): {methods}")
    return runs


def eigensolver_runs(split: Any, params: Params, seeds: list[int], log: Any) -> list[dict]:
    runs = []
    for seed in seeds:
        row: dict[str, Any] = {"seed": seed}
        for solver in (CPU_EIGENSOLVER, STAND_IN):
            began = time.perf_counter()
            model = ClusterThenLabel(
                "spectral", replace(params, seed=seed), EigensolverBackend(solver)
            )
            model.fit(split.X_train, split.y_train)
            row[solver] = {**scores(model, split), "seconds": time.perf_counter() - began}
        runs.append(row)
        log(f"spectral, seed {seed}: {row}")
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("CLUSTERBENCH_DATA_DIR"))
    parser.add_argument("--subsample", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=137, help="the split's, PCA's, clusterings'")
    parser.add_argument("--runs", type=int, default=4, help="unseeded UMAP runs")
    parser.add_argument("--seeds", default="137,0,1", help="the eigensolver comparison's")
    parser.add_argument("--min-cluster-size", type=int, default=150)
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, flush=True)

    environment = Environment.collect(Backend())
    dataset = load_dataset("mnist", DataOptions(args.data_dir), log)
    split = make_split(dataset, "canonical", args.seed, args.subsample)
    base = Params(seed=args.seed, min_cluster_size=args.min_cluster_size)
    params = fit_params(base, split, "umap-kmeans", log)
    began = time.perf_counter()
    # the seeded run first: it also pays numba's compilation, which the fast runs then skip
    umap = umap_runs(split, params, ["deterministic"] + ["fast"] * args.runs, log)
    seeds = [int(s) for s in args.seeds.split(",")]
    eigen = eigensolver_runs(split, fit_params(base, split, "spectral", log), seeds, log)
    fast = [r for r in umap if r["mode"] == "fast"]
    summary = {
        method: {
            metric: {
                "fast": spread([r["methods"][method][metric] for r in fast]),
                "deterministic": next(
                    r["methods"][method][metric] for r in umap if r["mode"] == "deterministic"
                ),
            }
            for metric in ("test_accuracy", "ari")
        }
        for method in UMAP_METHODS
    }
    gaps = {
        metric: [abs(r[CPU_EIGENSOLVER][metric] - r[STAND_IN][metric]) for r in eigen]
        for metric in ("test_accuracy", "ari")
    }
    results = {
        "dataset": dataset.name,
        "dataset_fingerprint": dataset.fingerprint,
        "protocol": "canonical",
        "subsample": args.subsample,
        "n_train": split.n_train,
        "n_test": split.n_test,
        "seed": args.seed,
        "umap": {
            "params": {k: getattr(params, k) for k in UMAP_PARAMS},
            "min_cluster_size": params.min_cluster_size,
            "fast_runs": args.runs,
            "runs": umap,
            "spread": summary,
        },
        "eigensolver": {
            "compared": [CPU_EIGENSOLVER, STAND_IN],
            "seeds": seeds,
            "runs": eigen,
            "largest_gap": {metric: max(values) for metric, values in gaps.items()},
        },
        "seconds": time.perf_counter() - began,
    }
    for method, s in summary.items():
        log(f"{method}: fast accuracy {s['test_accuracy']['fast']}, ari {s['ari']['fast']}")
    log(f"eigensolver {CPU_EIGENSOLVER} vs {STAND_IN}: largest gaps {results['eigensolver']}")
    record = StudyRecord("tolerance-spread", results, environment)
    log(f"written {record.write_into(args.out)}")


if __name__ == "__main__":
    main()
