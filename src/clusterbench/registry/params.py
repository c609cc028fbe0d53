"""Every tunable of a run, with the option that sets it and the values it accepts, in one place.

The command line is generated from these fields (name, type, default, help), and the library
checks a `Params` against the same rules, so `--help`, the defaults and the checks cannot drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from clusterbench.errors import ConfigError

DEFAULT_PCA = 100  # the study's PCA-100, capped at the data's dimensions where it has fewer
MAX_SEED = 2**32 - 1  # numpy's RandomState, which scikit-learn seeds, takes 0 .. 2**32 - 1


@dataclass(frozen=True)
class Option:
    """How one field is given on the command line, and the values it accepts."""

    flag: str
    kind: type
    help: str
    metavar: str | None = None
    minimum: float | None = None  # smallest value allowed
    maximum: float | None = None  # largest value allowed
    above: float | None = None  # the value must be strictly greater
    choices: tuple[str, ...] | None = None
    unset: str = ""  # what a default of None means

    def problem(self, value: Any) -> str | None:
        """Why `value` is not allowed, or None."""
        if self.choices is not None:
            return None if value in self.choices else f"choose from {', '.join(self.choices)}"
        if isinstance(value, float) and not math.isfinite(value):
            return "expected a finite number"
        low, high = _text(self.minimum), _text(self.maximum)
        if self.above is not None and not value > self.above:
            return f"expected a number > {_text(self.above)}"
        if self.minimum is not None and value < self.minimum:
            return f"expected {low} to {high}" if high else f"expected a number >= {low}"
        if self.maximum is not None and value > self.maximum:
            return f"expected {low} to {high}"
        return None

    def parse(self, text: str) -> Any:
        """The value of `text`, or ValueError with the reason (argparse shows it)."""
        try:
            value = self.kind(text)
        except ValueError:
            what = "a whole number" if self.kind is int else "a number"
            raise ValueError(f"expected {what}, got {text!r}") from None
        reason = self.problem(value)
        if reason is not None:
            raise ValueError(f"{reason}, got {text}")
        return value


def _text(bound: float | None) -> str:
    if bound is None:
        return ""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _option(default: Any, *args: Any, **kwargs: Any) -> Any:
    return field(default=default, metadata={"option": Option(*args, **kwargs)})


@dataclass(frozen=True)
class Params:
    """Every tunable of a run. Defaults are the study's; each method uses the subset it names.

    None leaves a value to the run: `n_components` becomes DEFAULT_PCA, or the data's dimensions
    where it has fewer; `knn` becomes the method's own default.
    """

    n_components: int | None = _option(
        None,
        "--pca",
        int,
        "PCA components",
        "N",
        minimum=1,
        unset=f"{DEFAULT_PCA}, or the data's dimensions where it has fewer",
    )
    knn: int | None = _option(
        None,
        "--knn",
        int,
        "neighbours of the labelling KNN classifier",
        "K",
        minimum=1,
        unset="the method's",
    )
    seed: int = _option(
        137, "--seed", int, "seed of the split, the samples and the estimators", "S", 0, MAX_SEED
    )
    knn_space: str = _option(
        "pixels",
        "--knn-space",
        str,
        "where the labelling KNN measures distances: pixels (the study's) or the PCA features "
        "(a fraction of the cost with millions of digits)",
        choices=("pixels", "pca"),
    )
    n_clusters: int = _option(10, "--clusters", int, "number of clusters", "K", minimum=1)
    n_neighbors: int = _option(
        10, "--neighbors", int, "neighbours of each digit in the kNN affinity graph", "N", 2
    )
    eps: float = _option(4.2, "--eps", float, "DBSCAN radius (the study's best)", "R", above=0)
    min_samples: int = _option(
        92, "--min-samples", int, "DBSCAN points within eps that make a core point", "M", 1
    )
    n_jobs: int = -1  # CPU threads of the scikit-learn steps that take n_jobs (not an option)
    umap_components: int = _option(
        10, "--umap-components", int, "dimensions of the UMAP embedding", "D", minimum=1
    )
    umap_neighbors: int = _option(30, "--umap-neighbors", int, "UMAP n_neighbors", "N", minimum=2)
    umap_min_dist: float = _option(
        0.0,
        "--umap-min-dist",
        float,
        "UMAP min_dist, up to its spread of 1 (0 packs clusters tightly: clustering, not display)",
        "D",
        0,
        1,
    )
    umap_mode: str = _option(
        "deterministic",
        "--umap-mode",
        str,
        "UMAP's path on either backend: deterministic seeds UMAP with --seed (reproducible; "
        "umap-learn on one thread, cuML's brute-force kNN and ordered optimisation), fast "
        "gives it no seed (umap-learn on every core, cuML's NN-descent above 50,000 digits and "
        "unordered parallel optimisation: each run lays out a slightly different embedding); "
        "--seed still seeds the split, PCA and the clustering",
        choices=("fast", "deterministic"),
    )
    nystrom_samples: int = _option(
        300,
        "--nystrom-samples",
        int,
        "digits sampled for the Nystrom approximation of the affinity (dask-ml's n_components)",
        "M",
        minimum=2,
    )
    rbf_gamma: float = _option(
        0.02,
        "--gamma",
        float,
        "RBF affinity exp(-gamma |x - y|^2) between PCA features (digits scaled to [0, 1])",
        "G",
        above=0,
    )
    min_cluster_size: int = _option(
        1000,
        "--min-cluster-size",
        int,
        "HDBSCAN min_cluster_size; its min_samples (core-distance neighbours, the point counted) "
        "is the same, up to 1024 (cuML's HDBSCAN takes no more)",
        "N",
        minimum=2,
    )
    hdbscan_selection: str = _option(
        "leaf",
        "--hdbscan-selection",
        str,
        "HDBSCAN cluster_selection_method: leaf keeps the dense cores and leaves the rest as "
        "noise, eom merges them",
        choices=("leaf", "eom"),
    )

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def options(cls) -> dict[str, Option]:
        """The fields a user sets, by name, with their options."""
        return {f.name: f.metadata["option"] for f in fields(cls) if "option" in f.metadata}

    def check(self) -> None:
        """Raise ConfigError for a value no method accepts (the CLI refuses it when parsing)."""
        for name, option in self.options().items():
            value = getattr(self, name)
            reason = None if value is None else option.problem(value)
            if reason is not None:
                raise ConfigError(f"{option.flag} {value}: {reason}")


def with_pca_for(params: Params, n_samples: int, n_features: int) -> Params:
    """`params` with `n_components` decided: DEFAULT_PCA where left open, capped at the data."""
    if params.n_components is not None:
        return params
    return replace(params, n_components=min(DEFAULT_PCA, n_samples, n_features))
