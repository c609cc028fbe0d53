"""What one run is asked to do: the data, the method and its parameters, the backend, how often,
and where (in this process, or on Dask workers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clusterbench.data import DataOptions, Split
from clusterbench.pipeline.cluster import ClusterSpec
from clusterbench.records import DataInfo
from clusterbench.registry import Params


@dataclass(frozen=True)
class RunConfig:
    dataset: str = "mnist"
    data: DataOptions = field(default_factory=DataOptions)
    protocol: str | None = None  # None: the dataset's default protocol
    subsample: int | None = None
    method: str = "spectral"
    params: Params = field(default_factory=Params)
    backend: str = "auto"
    repeat: int = 1
    expected_fingerprint: str | None = None  # e.g. the data a grid file was computed on
    cluster: ClusterSpec | None = None  # None: in this process; else on Dask workers


@dataclass
class Loaded:
    """The data a run loaded: its split (arrays in memory, or Dask arrays on the workers), what
    the record says of it, and the line the log says of it (completed by the load time)."""

    split: Split
    info: DataInfo
    summary: str
    made_by: str | None = None  # on Dask workers: how they got the digits


@dataclass(frozen=True)
class Outcome:
    """What a fitted model's clustering comes to: its scores against the true labels, the
    gallery a person labelling it would see, and the Dask cluster it ran on (None: none)."""

    scores: dict[str, Any]
    gallery: dict[str, Any] | None
    cluster: dict[str, Any] | None
