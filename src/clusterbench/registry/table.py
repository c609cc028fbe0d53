"""The twin-backend table: every step and method names its CPU and its GPU implementation here.

Adding a method is one row in METHODS. The GPU column is checked against the installed cuML/CuPy
signatures by the API-contract tests, so a misspelled keyword fails a test, not a GPU run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import clusterbench.registry.keywords as kw
from clusterbench.registry.impl import Impl, Pair
from clusterbench.registry.params import Params

STEPS: dict[str, Pair] = {
    pair.name: pair
    for pair in (
        Pair(
            "pca",
            Impl("sklearn.decomposition.PCA", kw.pca_seeded),
            Impl("cuml.decomposition.PCA", kw.pca),
            ("n_components",),
            intelex=Impl("sklearnex.decomposition.PCA", kw.pca_seeded),
            dask=Impl("clusterbench.estimators.dask_pca.PCA", kw.pca),  # dask-ml's gathers X
            dask_gpu=Impl("cuml.dask.decomposition.PCA", kw.pca),
        ),
        Pair(
            "knn",
            Impl("sklearn.neighbors.KNeighborsClassifier", kw.cpu_parallel(kw.knn)),
            Impl("cuml.neighbors.KNeighborsClassifier", kw.knn),
            ("knn",),
            intelex=Impl("sklearnex.neighbors.KNeighborsClassifier", kw.cpu_parallel(kw.knn)),
            dask=Impl("clusterbench.estimators.partitioned_knn.KNeighborsClassifier", kw.knn),
            dask_gpu=Impl("cuml.dask.neighbors.KNeighborsClassifier", kw.knn),
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
            Impl("umap.UMAP", kw.umap_learn, kw.umap_mode),
            Impl("cuml.manifold.UMAP", kw.umap, kw.umap_mode),
            ("umap_components", "umap_neighbors", "umap_min_dist", "umap_mode"),
        ),
        Pair(
            "neighbors",  # the k nearest points, for the connected affinity graph
            Impl("sklearn.neighbors.NearestNeighbors", kw.neighbors),
            Impl("cuml.neighbors.NearestNeighbors", kw.neighbors),
            ("n_neighbors",),
            intelex=Impl("sklearnex.neighbors.NearestNeighbors", kw.neighbors),
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
            Impl("sklearn.cluster.KMeans", kw.kmeans),
            Impl("cuml.cluster.KMeans", kw.kmeans),
            ("n_clusters",),
            "k-means, 10 initialisations (on Dask workers: dask-ml's k-means||, one)",
            intelex=Impl("sklearnex.cluster.KMeans", kw.kmeans),
            dask=Impl("dask_ml.cluster.KMeans", kw.dask_kmeans),
            dask_gpu=Impl("cuml.dask.cluster.KMeans", kw.kmeans),
        ),
        Pair(
            "spectral",
            Impl(
                "sklearn.cluster.SpectralClustering",
                kw.cpu_parallel(kw.spectral, eigen_solver=kw.CPU_EIGENSOLVER),
                kw.eigensolver(kw.CPU_EIGENSOLVER),
            ),
            Impl(
                "cuml.cluster.SpectralClustering", kw.spectral, kw.eigensolver(kw.CUML_EIGENSOLVER)
            ),
            ("n_clusters", "n_neighbors"),
            "spectral clustering, nearest-neighbours affinity (AMG eigensolver on the CPU, "
            "Lanczos on cuML)",
        ),
        Pair(
            "spectral-nystrom",
            Impl(
                "dask_ml.cluster.SpectralClustering",
                kw.nystrom,
                kw.eigensolver(kw.NYSTROM_EIGENSOLVER),
            ),
            None,  # cuML has no Nystrom spectral clustering
            ("n_clusters", "nystrom_samples", "rbf_gamma"),
            "dask-ml's spectral clustering of an RBF affinity approximated from a Nystrom "
            "sample of digits (not the exact spectral)",
            dask=Impl(
                "dask_ml.cluster.SpectralClustering",
                kw.nystrom,
                kw.eigensolver(kw.NYSTROM_EIGENSOLVER),
            ),
        ),
        Pair(
            "dbscan",
            Impl("sklearn.cluster.DBSCAN", kw.cpu_parallel(kw.dbscan)),
            Impl("cuml.cluster.DBSCAN", kw.dbscan),
            ("eps", "min_samples"),
            "DBSCAN; noise points get no cluster",
            has_noise=True,
            noise_hint="a larger --eps or a smaller --min-samples",
            intelex=Impl("sklearnex.cluster.DBSCAN", kw.cpu_parallel(kw.dbscan)),
            dask_gpu=Impl("cuml.dask.cluster.DBSCAN", kw.dbscan, in_memory=True),  # no dask-ml one
        ),
        Pair(
            "umap-kmeans",
            Impl("sklearn.cluster.KMeans", kw.kmeans),
            Impl("cuml.cluster.KMeans", kw.kmeans),
            ("n_clusters", "umap_components", "umap_neighbors", "umap_min_dist", "umap_mode"),
            "k-means on a UMAP embedding of the PCA features",
            embedding="umap",
            knn=UMAP_KNN,
            intelex=Impl("sklearnex.cluster.KMeans", kw.kmeans),
        ),
        Pair(
            "umap-spectral",
            Impl(
                "sklearn.cluster.SpectralClustering",
                kw.cpu_parallel(kw.spectral_of_graph, eigen_solver=kw.CPU_EIGENSOLVER),
                kw.eigensolver(kw.CPU_EIGENSOLVER),
            ),
            Impl(
                "cuml.cluster.SpectralClustering",
                kw.spectral_of_graph,
                kw.eigensolver(kw.CUML_EIGENSOLVER),
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
            Impl("sklearn.cluster.HDBSCAN", lambda p: {**kw.hdbscan(p), "copy": True}),
            Impl("cuml.cluster.HDBSCAN", kw.cuml_hdbscan),
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


# The local Dask cluster of a grid run: CPU worker processes, or one dask-cuda worker per GPU.
CLUSTERS: dict[str, Pair] = {
    "local": Pair(
        "local",
        Impl("distributed.LocalCluster", kw.local_cluster),
        Impl("dask_cuda.LocalCUDACluster", kw.cuda_cluster),
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
