"""The keywords each library's implementation takes from a run's Params (or a local cluster's
DaskOptions), and the eigensolver each spectral implementation runs.

One function per set of keywords that differs between libraries; the registry table pairs them
with the dotted paths they configure.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from clusterbench.registry.impl import DaskOptions, KwargsFn
from clusterbench.registry.params import Params

# scikit-learn's spectral clustering takes an eigen_solver: the CPU column asks for pyamg's
# (LOBPCG with an algebraic-multigrid preconditioner).
CPU_EIGENSOLVER = "amg"
# cuML's SpectralClustering takes no eigen_solver: "The eigensolver uses the Lanczos approach
# from the raft implementation" (its docstring's Notes; tests/test_eigensolver.py reads them).
CUML_EIGENSOLVER = "lanczos"
# dask-ml's Nystrom spectral clustering: scipy's SVD of the sampled digits' kernel, extended to
# the others (dask_ml/cluster/spectral.py), no iterative eigensolver.
NYSTROM_EIGENSOLVER = "nystrom-svd"

# HDBSCAN's min_samples (the neighbours of a point's core distance) is min_cluster_size, as both
# libraries default to, up to 1024: cuML's HDBSCAN.fit refuses min_samples outside 1..1023, and
# counts the neighbours besides the point, where scikit-learn counts the point too (cuML's
# docstring: sklearn's min_samples=k is cuML's k - 1). tests/test_gpu_contract.py reads both
# from cuML.
HDBSCAN_MAX_MIN_SAMPLES = 1024  # scikit-learn's count, the point included


def pca(p: Params) -> dict[str, Any]:
    return {"n_components": p.n_components}


def pca_seeded(p: Params) -> dict[str, Any]:
    return {**pca(p), "random_state": p.seed}


def neighbors(p: Params) -> dict[str, Any]:
    return {"n_neighbors": p.n_neighbors}


def knn(p: Params) -> dict[str, Any]:
    return {"n_neighbors": p.knn}


def kmeans(p: Params) -> dict[str, Any]:
    return {"n_clusters": p.n_clusters, "n_init": 10, "random_state": p.seed}


def dask_kmeans(p: Params) -> dict[str, Any]:
    """dask-ml's k-means|| initialises once (it has no n_init restarts)."""
    return {"n_clusters": p.n_clusters, "random_state": p.seed}


def spectral(p: Params) -> dict[str, Any]:
    return {
        "n_clusters": p.n_clusters,
        "affinity": "nearest_neighbors",
        "n_neighbors": p.n_neighbors,
        "n_init": 10,
        "random_state": p.seed,
    }


def spectral_of_graph(p: Params) -> dict[str, Any]:
    """Spectral clustering of a precomputed affinity graph (its n_neighbors built the graph)."""
    return {
        "n_clusters": p.n_clusters,
        "affinity": "precomputed",
        "n_init": 10,
        "random_state": p.seed,
    }


def nystrom(p: Params) -> dict[str, Any]:
    from clusterbench.estimators.nystrom import EmbeddingKMeans  # imports dask-ml

    return {
        "n_clusters": p.n_clusters,
        "affinity": "rbf",
        "gamma": p.rbf_gamma,
        "n_components": p.nystrom_samples,
        "random_state": p.seed,
        # persists the embedding in few partitions (dask-ml's own persists ~600 tiny ones)
        "assign_labels": EmbeddingKMeans(n_clusters=p.n_clusters, random_state=p.seed),
    }


def eigensolver(name: str) -> Callable[[Any], dict[str, str]]:
    """The `solvers` of a spectral implementation: the eigensolver it runs."""
    return lambda _: {"eigensolver": name}


def dbscan(p: Params) -> dict[str, Any]:
    return {"eps": p.eps, "min_samples": p.min_samples}


def hdbscan(p: Params) -> dict[str, Any]:
    """scikit-learn's keywords."""
    return {
        "min_cluster_size": p.min_cluster_size,
        "min_samples": min(p.min_cluster_size, HDBSCAN_MAX_MIN_SAMPLES),
        "cluster_selection_method": p.hdbscan_selection,
    }


def cuml_hdbscan(p: Params) -> dict[str, Any]:
    """cuML's: the same neighbourhood, its min_samples leaving the point out."""
    kwargs = hdbscan(p)
    return {**kwargs, "min_samples": kwargs["min_samples"] - 1}


def umap(p: Params) -> dict[str, Any]:
    """Seeded in deterministic mode only: a seed is what sends umap-learn to one thread and
    cuML to its brute-force kNN and ordered optimisation (cuml/manifold/umap/umap.pyx: build_algo
    "auto" and `deterministic` both follow `random_state is not None`)."""
    seed = {"random_state": p.seed} if p.umap_mode == "deterministic" else {}
    return {
        "n_components": p.umap_components,
        "n_neighbors": p.umap_neighbors,
        "min_dist": p.umap_min_dist,
        **seed,
    }


def umap_learn(p: Params) -> dict[str, Any]:
    """umap-learn's keywords: seeded it runs on one thread (it would override any other n_jobs
    with a warning); unseeded on every core."""
    return {**umap(p), "n_jobs": 1 if p.umap_mode == "deterministic" else p.n_jobs}


def umap_mode(p: Params) -> dict[str, str]:
    """The `solvers` of a UMAP implementation: the mode it runs in."""
    return {"umap": p.umap_mode}


def cpu_parallel(kwargs: KwargsFn, **extra: Any) -> KwargsFn:
    """The CPU twin's keywords: the shared ones, n_jobs, and scikit-learn-only settings."""
    return lambda p: {**kwargs(p), "n_jobs": p.n_jobs, **extra}


def local_cluster(o: DaskOptions) -> dict[str, Any]:
    workers = o.workers or max(1, (os.cpu_count() or 1) // o.threads_per_worker)
    return {
        "n_workers": workers,
        "threads_per_worker": o.threads_per_worker,
        "processes": o.processes,
        "dashboard_address": ":0",
        "silence_logs": logging.ERROR,
    }


def cuda_cluster(o: DaskOptions) -> dict[str, Any]:
    return {
        "n_workers": o.workers,  # None: one worker per visible GPU
        "threads_per_worker": o.threads_per_worker,
        "dashboard_address": ":0",
        "silence_logs": logging.ERROR,
    }
