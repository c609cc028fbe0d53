"""What a run refuses, in one line, before its work starts (parameters the data cannot support,
what Dask workers cannot run) or as soon as a clustering shows it (no cluster, too few digits
clustered for the KNN): written once for both executors."""

from __future__ import annotations

from typing import Any

from clusterbench.backends import Backend
from clusterbench.errors import BackendError, ConfigError, NoClusterError
from clusterbench.progress import Log
from clusterbench.registry import METHODS, STEPS, Params, resolve
from clusterbench.registry.params import DEFAULT_PCA, with_pca_for

LIBRARIES = {"dask": "dask-ml", "dask_gpu": "cuml.dask"}  # what runs on each kind of worker


def fit_params(params: Params, split: Any, method: str, log: Log) -> Params:
    """`params` decided for this data (the PCA and KNN defaults filled in), or ConfigError for
    a value the data cannot support, before any work starts."""
    n_features = split.X_train.shape[1]
    limit = min(split.n_train, n_features)
    if params.n_components is None:
        params = with_pca_for(params, split.n_train, n_features)
        if params.n_components < DEFAULT_PCA:
            log(f"PCA: {params.n_components} components, all the data has (default {DEFAULT_PCA})")
    elif params.n_components > limit:
        raise ConfigError(
            f"--pca {params.n_components} exceeds what the data allows ({split.n_train} training "
            f"digits of {n_features} pixels); use --pca {limit} or fewer"
        )
    params = resolve(method, params)
    row = METHODS[method]
    counts = {"--knn": params.knn}
    if "n_clusters" in row.params:
        counts["--clusters"] = params.n_clusters
    if "n_neighbors" in row.params:
        counts["--neighbors"] = params.n_neighbors
    if "min_cluster_size" in row.params:
        counts["--min-cluster-size"] = params.min_cluster_size
    if "nystrom_samples" in row.params:
        counts["--nystrom-samples"] = params.nystrom_samples
    for option, value in counts.items():
        if value > split.n_train:
            raise ConfigError(f"{option} {value} exceeds the {split.n_train} training digits")
    if row.embedding == "umap":
        if params.umap_components > params.n_components:
            raise ConfigError(
                f"--umap-components {params.umap_components} exceeds the {params.n_components} "
                "PCA components UMAP embeds; an embedding is smaller than its input"
            )
        for option, value in (
            ("--umap-components", params.umap_components),
            ("--umap-neighbors", params.umap_neighbors),
        ):
            if value >= split.n_train:
                raise ConfigError(
                    f"{option} {value} needs more than the {split.n_train} training digits"
                )
    return params


def check_found_clusters(method: str, params: Params, n_clusters: int) -> None:
    """NoClusterError where every training digit is noise: nothing to label."""
    if n_clusters <= 0:
        row = METHODS[method]
        setting = ", ".join(f"{name}={getattr(params, name)}" for name in row.params)
        raise NoClusterError(
            f"{method} found no cluster: every training digit is noise ({setting}); "
            f"try {row.noise_hint}"
        )


def check_knn_members(method: str, params: Params, n_members: int) -> None:
    """NoClusterError where fewer digits were clustered than the KNN asks neighbours for."""
    if params.knn > n_members:
        raise NoClusterError(
            f"--knn {params.knn} exceeds the {n_members} training digits {method} clustered "
            f"(the others are noise); use --knn {n_members} or fewer, or try "
            f"{METHODS[method].noise_hint}"
        )


def check_split(protocol: str | None, subsample: int | None) -> None:
    """On Dask workers only the canonical split of all the training digits runs."""
    if protocol not in (None, "canonical") or subsample is not None:
        raise ConfigError(
            "on Dask workers the pipeline runs the canonical split on all training digits (no "
            "--protocol seed, no --subsample; --dataset infimnist --n-train N sets the size)"
        )


def check_distributable(method: str, backend: Backend) -> None:
    """Refuse, in one line, a method or backend with no implementation on Dask workers."""
    if backend.dask_column is None:
        raise BackendError(
            f"--backend {backend.name} runs in one process; with --scheduler use --backend cpu "
            "(dask-ml) or gpu (cuml.dask on dask-cuda workers)"
        )
    row = METHODS[method]
    library = LIBRARIES[backend.dask_column]
    if row.embedding is not None:
        raise ConfigError(
            f"--method {method} has no distributed implementation: its {row.embedding} fit "
            "needs all digits in one process; run it without --scheduler"
        )
    for pair in (STEPS["pca"], row, STEPS["knn"]):
        if backend.on_workers(pair) is None:
            raise ConfigError(
                f"--method {method} has no distributed implementation on {backend.name} workers "
                f"(no {library} {pair.name} in the registry); run it without --scheduler"
            )
