"""registry: the twin-backend table (which library runs each step and method on each backend)
and the parameters a run's steps share."""

from clusterbench.registry.impl import DaskOptions, Impl, Pair
from clusterbench.registry.keywords import CPU_EIGENSOLVER
from clusterbench.registry.params import Params
from clusterbench.registry.table import (
    CLUSTERS,
    METHODS,
    SHARED_PARAMS,
    STEPS,
    UMAP_KNN,
    method_params,
    resolve,
)

__all__ = [
    "CLUSTERS",
    "CPU_EIGENSOLVER",
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
