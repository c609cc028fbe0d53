"""The twin-backend table: every step and method names its CPU and its GPU implementation here.

Adding a method is one row in METHODS. The GPU column is checked against the installed cuML/CuPy
signatures by the API-contract tests, so a misspelled keyword fails a test, not a GPU run.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from clusterbench.errors import BackendError
from clusterbench.registry.params import Params

__all__ = [
    "CLUSTERS",
    "METHODS",
    "SHARED_PARAMS",
    "STEPS",
    "UMAP_KNN",
    "DaskOptions",
    "Impl",
    "Pair",
    "Params",
    "method_params",
    "resolve",
]


@dataclass(frozen=True)
class DaskOptions:
    """How big a local Dask cluster to start (None workers: one per core, or one per GPU)."""

    workers: int | None = None
    threads_per_worker: int = 1
    processes: bool = True  # False: threads in this process (quick start-up for small grids)


KwargsFn = Callable[[Any], dict[str, Any]]  # Params, or DaskOptions for the CLUSTERS rows


def _no_kwargs(_: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Impl:
    """A library callable by dotted path, the keywords a run's Params give it, and which of its
    paths those keywords take where the result or the time depends on it (`solvers`: e.g.
    {"eigensolver": "amg"}, {"umap": "fast"}; a run record keeps them, the report shows them)."""

    path: str
    kwargs: KwargsFn = _no_kwargs
    solvers: Callable[[Any], dict[str, str]] = _no_kwargs
    # on Dask workers: takes one in-memory array, not a Dask one (cuml.dask's DBSCAN scatters
    # its input to every worker), so the distributed pipeline gathers the features first
    in_memory: bool = False

    def resolve(self) -> Any:
        module, _, attr = self.path.rpartition(".")
        return getattr(importlib.import_module(module), attr)

    def build(self, params: Any) -> Any:
        return self.resolve()(**self.kwargs(params))


@dataclass(frozen=True)
class Pair:
    """One step on every backend: its implementations (columns) and the Params they share.

    Columns: `cpu` (stock scikit-learn), `gpu` (cuML), `intelex` (scikit-learn-intelex's
    oneDAL estimator, where it has one; the stock one otherwise). The `gpu-accel` backend runs
    the `cpu` column under cuml.accel. On Dask workers (`--scheduler`): `dask` (dask-ml on CPU
    workers) and `dask_gpu` (cuml.dask on dask-cuda workers); None where that library has no
    distributed implementation, and the run is refused."""

    name: str
    cpu: Impl
    gpu: Impl | None  # None: cuML has none, and the GPU backends refuse the method
    params: tuple[str, ...] = ()
    description: str = ""
    has_noise: bool = False  # labels -1 mark noise points that belong to no cluster
    embedding: str | None = None  # a STEPS row applied to the PCA features before clustering
    knn: int = 50  # the method's default KNN neighbours (the study's 50)
    connected_affinity: bool = False  # cluster a connected kNN graph (affinity.py), not points
    noise_hint: str = ""  # what to change when every digit ends up as noise
    intelex: Impl | None = None  # None: scikit-learn-intelex has none; the stock one runs
    dask: Impl | None = None  # on CPU Dask workers
    dask_gpu: Impl | None = None  # on dask-cuda workers

    def on(self, column: str) -> Impl:
        """The implementation in `column`; where scikit-learn-intelex has none, the stock CPU
        one; where cuML has none, BackendError."""
        impl = getattr(self, column)
        if impl is None and column == "gpu":
            raise BackendError(
                f"{self.name} has no GPU implementation (cuML has none); use --backend cpu"
            )
        return impl or self.cpu


def _pca(p: Params) -> dict[str, Any]:
    return {"n_components": p.n_components}


def _pca_seeded(p: Params) -> dict[str, Any]:
    return {**_pca(p), "random_state": p.seed}


def _neighbors(p: Params) -> dict[str, Any]:
    return {"n_neighbors": p.n_neighbors}


def _knn(p: Params) -> dict[str, Any]:
    return {"n_neighbors": p.knn}


def _kmeans(p: Params) -> dict[str, Any]:
    return {"n_clusters": p.n_clusters, "n_init": 10, "random_state": p.seed}


def _spectral(p: Params) -> dict[str, Any]:
    return {
        "n_clusters": p.n_clusters,
        "affinity": "nearest_neighbors",
        "n_neighbors": p.n_neighbors,
        "n_init": 10,
        "random_state": p.seed,
    }


def _spectral_of_graph(p: Params) -> dict[str, Any]:
    """Spectral clustering of a precomputed affinity graph (its n_neighbors built the graph)."""
    return {
        "n_clusters": p.n_clusters,
        "affinity": "precomputed",
        "n_init": 10,
        "random_state": p.seed,
    }


def _dbscan(p: Params) -> dict[str, Any]:
    return {"eps": p.eps, "min_samples": p.min_samples}


def _umap(p: Params) -> dict[str, Any]:
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


def _umap_learn(p: Params) -> dict[str, Any]:
    """umap-learn's keywords: seeded it runs on one thread (it would override any other n_jobs
    with a warning); unseeded on every core."""
    return {**_umap(p), "n_jobs": 1 if p.umap_mode == "deterministic" else p.n_jobs}


def _umap_mode(p: Params) -> dict[str, str]:
    return {"umap": p.umap_mode}


def _eigensolver(name: str) -> Callable[[Any], dict[str, str]]:
    return lambda _: {"eigensolver": name}


# scikit-learn's spectral clustering takes an eigen_solver: the CPU column asks for pyamg's
# (LOBPCG with an algebraic-multigrid preconditioner).
CPU_EIGENSOLVER = "amg"
# cuML's SpectralClustering takes no eigen_solver: "The eigensolver uses the Lanczos approach
# from the raft implementation" (its docstring's Notes; tests/test_eigensolver.py reads them).
CUML_EIGENSOLVER = "lanczos"
# dask-ml's Nystrom spectral clustering: scipy's SVD of the sampled digits' kernel, extended to
# the others (dask_ml/cluster/spectral.py), no iterative eigensolver.
NYSTROM_EIGENSOLVER = "nystrom-svd"


def _nystrom(p: Params) -> dict[str, Any]:
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


# HDBSCAN's min_samples (the neighbours of a point's core distance) is min_cluster_size, as both
# libraries default to, up to 1024: cuML's HDBSCAN.fit refuses min_samples outside 1..1023, and
# counts the neighbours besides the point, where scikit-learn counts the point too (cuML's
# docstring: sklearn's min_samples=k is cuML's k - 1). tests/test_gpu_contract.py reads both
# from cuML.
HDBSCAN_MAX_MIN_SAMPLES = 1024  # scikit-learn's count, the point included


def _hdbscan(p: Params) -> dict[str, Any]:
    """scikit-learn's keywords."""
    return {
        "min_cluster_size": p.min_cluster_size,
        "min_samples": min(p.min_cluster_size, HDBSCAN_MAX_MIN_SAMPLES),
        "cluster_selection_method": p.hdbscan_selection,
    }


def _cuml_hdbscan(p: Params) -> dict[str, Any]:
    """cuML's: the same neighbourhood, its min_samples leaving the point out."""
    kwargs = _hdbscan(p)
    return {**kwargs, "min_samples": kwargs["min_samples"] - 1}


def _dask_kmeans(p: Params) -> dict[str, Any]:
    """dask-ml's k-means|| initialises once (it has no n_init restarts)."""
    return {"n_clusters": p.n_clusters, "random_state": p.seed}


def _cpu_parallel(kwargs: KwargsFn, **extra: Any) -> KwargsFn:
    """The CPU twin's keywords: the shared ones, n_jobs, and scikit-learn-only settings."""
    return lambda p: {**kwargs(p), "n_jobs": p.n_jobs, **extra}


STEPS: dict[str, Pair] = {
    pair.name: pair
    for pair in (
        Pair(
            "pca",
            Impl("sklearn.decomposition.PCA", _pca_seeded),
            Impl("cuml.decomposition.PCA", _pca),
            ("n_components",),
            intelex=Impl("sklearnex.decomposition.PCA", _pca_seeded),
            dask=Impl("clusterbench.estimators.dask_pca.PCA", _pca),  # dask-ml's gathers X
            dask_gpu=Impl("cuml.dask.decomposition.PCA", _pca),
        ),
        Pair(
            "knn",
            Impl("sklearn.neighbors.KNeighborsClassifier", _cpu_parallel(_knn)),
            Impl("cuml.neighbors.KNeighborsClassifier", _knn),
            ("knn",),
            intelex=Impl("sklearnex.neighbors.KNeighborsClassifier", _cpu_parallel(_knn)),
            dask=Impl("clusterbench.estimators.partitioned_knn.KNeighborsClassifier", _knn),
            dask_gpu=Impl("cuml.dask.neighbors.KNeighborsClassifier", _knn),
        ),
        Pair(
            "ari",
            Impl("sklearn.metrics.adjusted_rand_score"),
            Impl("cuml.metrics.adjusted_rand_score"),
        ),
        Pair(
            "nmi",  # cuML's V-measure is NMI with scikit-learn's default arithmetic averaging
            Impl("sklearn.metrics.normalized_mutual_info_score"),
            Impl("cuml.metrics.cluster.v_measure_score"),
        ),
        Pair(
            "neighbour_graph",  # the sweep engine's graph: scikit-learn's distances, or cuML's
            Impl("clusterbench.grid.sweep.neighbour_graph"),
            Impl("clusterbench.grid.gpu_graph.neighbour_graph"),
        ),
        Pair(
            "umap",
            Impl("umap.UMAP", _umap_learn, _umap_mode),
            Impl("cuml.manifold.UMAP", _umap, _umap_mode),
            ("umap_components", "umap_neighbors", "umap_min_dist", "umap_mode"),
        ),
        Pair(
            "neighbors",  # the k nearest points, for the connected affinity graph
            Impl("sklearn.neighbors.NearestNeighbors", _neighbors),
            Impl("cuml.neighbors.NearestNeighbors", _neighbors),
            ("n_neighbors",),
            intelex=Impl("sklearnex.neighbors.NearestNeighbors", _neighbors),
        ),
        Pair(
            "silhouette",
            Impl("sklearn.metrics.silhouette_score"),
            Impl("cuml.metrics.cluster.silhouette_score"),
        ),
    )
}

# UMAP clusters are purer than the KNN's vote over 50 pixel-space neighbours: k = 5 won on a
# validation split of the training digits (bench/umap_defaults.py, results/umap-defaults-*.json).
UMAP_KNN = 5

METHODS: dict[str, Pair] = {
    pair.name: pair
    for pair in (
        Pair(
            "kmeans",
            Impl("sklearn.cluster.KMeans", _kmeans),
            Impl("cuml.cluster.KMeans", _kmeans),
            ("n_clusters",),
            "k-means, 10 initialisations (on Dask workers: dask-ml's k-means||, one)",
            intelex=Impl("sklearnex.cluster.KMeans", _kmeans),
            dask=Impl("dask_ml.cluster.KMeans", _dask_kmeans),
            dask_gpu=Impl("cuml.dask.cluster.KMeans", _kmeans),
        ),
        Pair(
            "spectral",
            Impl(
                "sklearn.cluster.SpectralClustering",
                _cpu_parallel(_spectral, eigen_solver=CPU_EIGENSOLVER),
                _eigensolver(CPU_EIGENSOLVER),
            ),
            Impl("cuml.cluster.SpectralClustering", _spectral, _eigensolver(CUML_EIGENSOLVER)),
            ("n_clusters", "n_neighbors"),
            "spectral clustering, nearest-neighbours affinity (AMG eigensolver on the CPU, "
            "Lanczos on cuML)",
        ),
        Pair(
            "spectral-nystrom",
            Impl("dask_ml.cluster.SpectralClustering", _nystrom, _eigensolver(NYSTROM_EIGENSOLVER)),
            None,  # cuML has no Nystrom spectral clustering
            ("n_clusters", "nystrom_samples", "rbf_gamma"),
            "dask-ml's spectral clustering of an RBF affinity approximated from a Nystrom "
            "sample of digits (not the exact spectral)",
            dask=Impl(
                "dask_ml.cluster.SpectralClustering", _nystrom, _eigensolver(NYSTROM_EIGENSOLVER)
            ),
        ),
        Pair(
            "dbscan",
            Impl("sklearn.cluster.DBSCAN", _cpu_parallel(_dbscan)),
            Impl("cuml.cluster.DBSCAN", _dbscan),
            ("eps", "min_samples"),
            "DBSCAN; noise points get no cluster",
            has_noise=True,
            noise_hint="a larger --eps or a smaller --min-samples",
            intelex=Impl("sklearnex.cluster.DBSCAN", _cpu_parallel(_dbscan)),
            dask_gpu=Impl("cuml.dask.cluster.DBSCAN", _dbscan, in_memory=True),  # no dask-ml one
        ),
        Pair(
            "umap-kmeans",
            Impl("sklearn.cluster.KMeans", _kmeans),
            Impl("cuml.cluster.KMeans", _kmeans),
            ("n_clusters", "umap_components", "umap_neighbors", "umap_min_dist", "umap_mode"),
            "k-means on a UMAP embedding of the PCA features",
            embedding="umap",
            knn=UMAP_KNN,
            intelex=Impl("sklearnex.cluster.KMeans", _kmeans),
        ),
        Pair(
            "umap-spectral",
            Impl(
                "sklearn.cluster.SpectralClustering",
                _cpu_parallel(_spectral_of_graph, eigen_solver=CPU_EIGENSOLVER),
                _eigensolver(CPU_EIGENSOLVER),
            ),
            Impl(
                "cuml.cluster.SpectralClustering",
                _spectral_of_graph,
                _eigensolver(CUML_EIGENSOLVER),
            ),
            (
                "n_clusters",
                "n_neighbors",
                "umap_components",
                "umap_neighbors",
                "umap_min_dist",
                "umap_mode",
            ),
            "spectral clustering of the UMAP embedding's kNN graph, its components joined",
            embedding="umap",
            knn=UMAP_KNN,
            connected_affinity=True,
        ),
        Pair(
            "umap-hdbscan",
            Impl("sklearn.cluster.HDBSCAN", lambda p: {**_hdbscan(p), "copy": True}),
            Impl("cuml.cluster.HDBSCAN", _cuml_hdbscan),
            (
                "min_cluster_size",
                "hdbscan_selection",
                "umap_components",
                "umap_neighbors",
                "umap_min_dist",
                "umap_mode",
            ),
            "HDBSCAN on a UMAP embedding; it finds its own number of clusters, noise gets none",
            has_noise=True,
            embedding="umap",
            knn=UMAP_KNN,
            noise_hint="a smaller --min-cluster-size, or --hdbscan-selection eom",
        ),
    )
}


def _local_cluster(o: DaskOptions) -> dict[str, Any]:
    workers = o.workers or max(1, (os.cpu_count() or 1) // o.threads_per_worker)
    return {
        "n_workers": workers,
        "threads_per_worker": o.threads_per_worker,
        "processes": o.processes,
        "dashboard_address": ":0",
        "silence_logs": logging.ERROR,
    }


def _cuda_cluster(o: DaskOptions) -> dict[str, Any]:
    return {
        "n_workers": o.workers,  # None: one worker per visible GPU
        "threads_per_worker": o.threads_per_worker,
        "dashboard_address": ":0",
        "silence_logs": logging.ERROR,
    }


# The local Dask cluster of a grid run: CPU worker processes, or one dask-cuda worker per GPU.
CLUSTERS: dict[str, Pair] = {
    "local": Pair(
        "local",
        Impl("distributed.LocalCluster", _local_cluster),
        Impl("dask_cuda.LocalCUDACluster", _cuda_cluster),
    )
}


def resolve(method: str, params: Params) -> Params:
    """`params` with the method's defaults filled in where they were left open (None)."""
    if params.knn is None:
        return replace(params, knn=METHODS[method].knn)
    return params


SHARED_PARAMS = ("n_components", "knn", "knn_space", "seed")  # every method uses these


def method_params(method: str, params: Params) -> dict[str, Any]:
    """The parameters that shape a run of `method`: the shared ones plus the method's own."""
    params = resolve(method, params)
    names = (*SHARED_PARAMS, *METHODS[method].params)
    return {name: getattr(params, name) for name in names}
