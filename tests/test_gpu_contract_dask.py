"""API contract of the pipeline on dask-cuda workers (the registry's `dask_gpu` column, cuML's
`cuml.dask` estimators), checked without a GPU against the installed cuML, as for one process:
- each column entry exists and takes its keywords, both itself and where it hands them on (a
  `cuml.dask` estimator passes **kwargs to the single-GPU estimator of the same name);
- a recording run of the distributed pipeline on CPU workers, every `dask_gpu` row in it: every
  method and attribute it uses on what the `dask` column built must exist on the `dask_gpu`
  twin; where dask-ml has no twin (DBSCAN), cuML's own `cuml.dask` estimator runs, its Python
  as shipped, only its NCCL clique and the device fit on each worker stood in for (host-side,
  refusing anything but an in-memory array, as cuML documents), so the pipeline's call meets
  cuML's own scatter of its input (not cuML's input conversion on the worker, which needs a GPU).
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from clusterbench.backends import Backend
from clusterbench.data import DataOptions, load_dataset, make_split
from clusterbench.pipeline.on_workers import DistributedClusterThenLabel
from clusterbench.registry import METHODS, STEPS, Impl, Pair, Params
from tests.test_gpu_contract import (
    _misspelt,
    _Recorder,
    assert_accepts,
    gpu_packages,
    resolve,
)

pytestmark = pytest.mark.usefixtures("gpu_packages")
__all__ = ["gpu_packages"]  # the fixture, imported for its use above

ON_DASK_GPU = {n: p for n, p in {**STEPS, **METHODS}.items() if p.dask_gpu is not None}
ON_DASK = {n: p for n, p in {**STEPS, **METHODS}.items() if p.dask is not None}


@pytest.mark.parametrize("name", list(ON_DASK_GPU))
def test_the_dask_gpu_column_exists_with_its_keywords(name):
    impl = ON_DASK_GPU[name].dask_gpu
    assert impl.path.startswith("cuml.dask."), impl.path
    keywords = set(impl.kwargs(Params()))
    assert_accepts(impl.resolve(), keywords, impl.path)
    single_gpu = impl.path.replace("cuml.dask.", "cuml.", 1)
    assert_accepts(resolve(single_gpu), keywords, f"{single_gpu} (via {impl.path})")


@pytest.mark.parametrize("name", list(ON_DASK_GPU))
def test_a_planted_wrong_keyword_fails_the_cuml_dask_check(name):
    """cuml.dask estimators take **kwargs: a misspelt keyword fails all the same (on a device it
    would fail on the workers, when the single-GPU model is built)."""
    impl = ON_DASK_GPU[name].dask_gpu
    keywords = set(impl.kwargs(Params()))
    wrong = _misspelt(keywords)
    with pytest.raises(AssertionError, match=f"{impl.path}: unknown keyword.*'{wrong}'"):
        assert_accepts(impl.resolve(), keywords | {wrong}, impl.path)


def test_a_keyword_the_wrapper_sets_itself_fails_the_dask_gpu_check(monkeypatch):
    """cuml.dask's KMeans builds KMeansMG(handle=..., output_type=datatype, **kwargs): the
    single-GPU KMeans takes output_type, the wrapper cannot (a duplicate keyword)."""
    pair = ON_DASK_GPU["kmeans"]
    planted = Impl(pair.dask_gpu.path, lambda p: {**pair.dask_gpu.kwargs(p), "output_type": "cupy"})
    monkeypatch.setitem(ON_DASK_GPU, "kmeans", replace(pair, dask_gpu=planted))
    with pytest.raises(AssertionError, match="cuml.dask.cluster.KMeans: unknown.*output_type"):
        test_the_dask_gpu_column_exists_with_its_keywords("kmeans")


def test_every_distributed_cpu_step_has_a_gpu_twin_where_cuml_has_the_method():
    assert {n for n, p in ON_DASK.items() if p.gpu is not None} <= set(ON_DASK_GPU)
    assert {"pca", "knn", "kmeans", "dbscan"} <= set(ON_DASK_GPU)


class _Forwarding(_Recorder):
    """A recorder that also records attributes read, and sets attributes on its target."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            self._log[name] |= set()
        return super().__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._target, name, value)


class RecordingDaskBackend(Backend):
    """The CPU backend on Dask workers, recording each step's use; where dask-ml has no twin,
    the `dask_gpu` column's cuml.dask estimator itself (see cuml_dask_on_the_host)."""

    def __init__(self) -> None:
        super().__init__("recording")
        self.calls: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def on_workers(self, pair: Pair) -> Impl | None:
        return pair.dask or pair.dask_gpu

    def build_on_workers(self, pair: Pair, params: Params) -> Any:
        return _Forwarding(super().build_on_workers(pair, params), self.calls[pair.name])


class _Clique:
    """raft_dask's Comms without NCCL: the workers given, ranked in order."""

    def __init__(self, **_: Any) -> None:
        self.sessionId = uuid.uuid4().bytes
        self.worker_addresses: list[str] = []

    def init(self, workers: Any = None) -> None:
        self.worker_addresses = sorted(workers)

    def worker_info(self, workers: Any) -> dict[str, dict[str, int]]:
        return {w: {"rank": self.worker_addresses.index(w)} for w in workers}

    def destroy(self) -> None:
        pass


def _dbscan_on_a_worker(out_dtype: Any, session_id: bytes, data: Any, **kwargs: Any) -> Any:
    """What cuML's DBSCANMG(handle=..., **kwargs).fit(data, out_dtype) does on a worker, on the
    host: its constructor (the real one) takes the keywords, and the data must be what cuML's
    DBSCAN documents (an in-memory CuPy/NumPy array, cuDF or pandas), not a Dask collection."""
    from cuml.cluster.dbscan_mg import DBSCANMG
    from cuml.internals.base import Base
    from sklearn.cluster import DBSCAN

    model = DBSCANMG(handle=None, **kwargs)
    if not isinstance(data, np.ndarray):
        raise TypeError(
            "cuml.dask.cluster.DBSCAN takes an in-memory CuPy/NumPy/cuDF input (it scatters "
            f"it to every worker), got a {type(data).__module__}.{type(data).__name__}"
        )
    labels = DBSCAN(eps=model.eps, min_samples=model.min_samples).fit_predict(data)
    fitted = type("FittedOnTheHost", (Base,), {})()
    fitted.labels_ = labels.astype(out_dtype)
    return fitted


@contextmanager
def cuml_dask_on_the_host() -> Iterator[None]:
    """cuml.dask.cluster.DBSCAN as shipped, its NCCL clique and per-worker device fit replaced."""
    from cuml.dask.cluster import dbscan

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dbscan, "Comms", _Clique)
        mp.setattr(
            dbscan.DBSCAN,
            "_func_fit",
            staticmethod(lambda out_dtype: functools.partial(_dbscan_on_a_worker, out_dtype)),
        )
        yield


RECORDING_PARAMS = {  # 2,000 MNIST digits; every dask_gpu method
    "kmeans": [Params(n_components=20, knn_space=s) for s in ("pixels", "pca")],
    "dbscan": [Params(n_components=20, eps=3.0, min_samples=5)],  # 14 clusters, 41 % clustered
}


@pytest.fixture(scope="module")
def recorded_calls(mnist_dir) -> dict[str, dict[str, set[str]]]:
    import dask.array as da
    from distributed import Client, LocalCluster

    split = make_split(load_dataset("mnist", DataOptions(mnist_dir)), "canonical", 137, 2000)
    backend = RecordingDaskBackend()
    local = LocalCluster(n_workers=1, processes=False, dashboard_address=":0")
    with local, Client(local) as client, cuml_dask_on_the_host():
        X = da.from_array(split.X_train, chunks=(500, split.X_train.shape[1]))
        y = da.from_array(split.y_train, chunks=500)
        for method, runs in RECORDING_PARAMS.items():
            for params in runs:
                model = DistributedClusterThenLabel(method, params, backend, client)
                model.fit(X, y).predict(split.X_test)
    return backend.calls


def test_the_recording_run_saw_every_dask_gpu_row(recorded_calls):
    assert set(recorded_calls) == set(ON_DASK_GPU)
    assert {"fit", "transform"} <= set(recorded_calls["pca"])
    assert {"fit", "predict"} <= set(recorded_calls["knn"])
    assert "fit_predict" in recorded_calls["dbscan"]  # cuML's own, on what the pipeline gave


# dbscan is left out: its recorded object is cuML's own twin (no dask-ml one), which the
# recording run above already exercised
@pytest.mark.parametrize("name", [n for n in ON_DASK_GPU if n != "dbscan"])
def test_the_gpu_twin_has_what_the_distributed_pipeline_uses(recorded_calls, name):
    twin = ON_DASK_GPU[name].dask_gpu
    target = twin.resolve()
    for member_name, keywords in recorded_calls[name].items():
        if member_name in ("fit", "labels_") and hasattr(target, "fit_predict"):
            continue  # the pipeline calls fit_predict where there is one (cuml.dask's)
        if member_name == "on_persisted":
            continue  # set only where present (hasattr): the partitioned KNN's progress hook
        member = getattr(target, member_name, None)
        assert member is not None, f"{twin.path} has no {member_name}"
        if callable(member):
            assert_accepts(member, keywords, f"{twin.path}.{member_name}")


def test_the_clusterings_on_dask_gpu_workers_have_fit_predict():
    for name in ("kmeans", "dbscan"):
        assert callable(getattr(METHODS[name].dask_gpu.resolve(), "fit_predict", None)), name


def test_gathering_more_features_than_the_client_holds_is_refused(mnist_dir, monkeypatch):
    """dask-cuda DBSCAN takes its features in one array on the client: where they would not fit
    there, the run is refused in one line before anything is gathered."""
    import dask.array as da
    from distributed import Client, LocalCluster

    from clusterbench.errors import ConfigError

    split = make_split(load_dataset("mnist", DataOptions(mnist_dir)), "canonical", 137, 1000)
    backend = RecordingDaskBackend()
    monkeypatch.setattr(backend, "free_memory", lambda: 1000, raising=False)
    local = LocalCluster(n_workers=1, processes=False, dashboard_address=":0")
    with local, Client(local) as client, cuml_dask_on_the_host():
        X = da.from_array(split.X_train, chunks=(500, split.X_train.shape[1]))
        y = da.from_array(split.y_train, chunks=500)
        model = DistributedClusterThenLabel(
            "dbscan", RECORDING_PARAMS["dbscan"][0], backend, client
        )
        with pytest.raises(ConfigError, match="in one array on the client, more than the"):
            model.fit(X, y)
