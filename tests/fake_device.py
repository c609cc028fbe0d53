"""A strict fake GPU, for running the GPU code path on machines without one.

Its arrays live "on the device": NumPy data behind a wrapper that refuses every implicit trip to
the host (`__array__`, so `np.asarray`; `float()`, `int()`, `bool()` of a 0-d array; iteration)
and every host array mixed into device work (an operand, an index, an argument of the array
module or of an estimator). The backend's `to_device` and `to_host` are the only doors, as on a
real GPU where such mixing is a crash, a silent copy or a sync. The GPU column of the registry
is built as itself (the cuML keywords), by scikit-learn, umap-learn and distributed stand-ins
that take and give device arrays only.

`install(monkeypatch)` makes `select_backend("gpu")` (and "auto") return this backend.
"""

from __future__ import annotations

import operator
import sys
import types
from typing import Any

import numpy as np
import scipy.sparse as sparse
from sklearn.cluster import HDBSCAN

from clusterbench.backends import Backend, GpuProbe
from clusterbench.backends import select as backends
from clusterbench.registry import DaskOptions, Pair, Params


class HostMixingError(TypeError):
    """Device and host data met without an explicit to_device / to_host."""


def _refuse(what: str) -> HostMixingError:
    return HostMixingError(f"fake device: {what}; use backend.to_host / to_device explicitly")


class DeviceArray:
    """An array on the fake device."""

    __array_priority__ = 1000  # NumPy defers its operators to ours (which refuse host arrays)

    def __init__(self, data: np.ndarray) -> None:
        self._data = data

    # the refused doors
    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise _refuse("implicit conversion to a host array (np.asarray, np.* of a device array)")

    def __iter__(self) -> Any:
        raise _refuse("iteration over a device array")

    def __float__(self) -> float:
        raise _refuse("float() of a device array")

    def __int__(self) -> int:
        raise _refuse("int() of a device array")

    def __index__(self) -> int:
        raise _refuse("a device array used as a Python index")

    def __bool__(self) -> bool:
        raise _refuse("bool() of a device array (an if on device data)")

    def tolist(self) -> Any:
        raise _refuse("tolist() of a device array")

    # what CuPy offers explicitly
    def get(self) -> np.ndarray:
        return self._data.copy()

    def item(self) -> Any:
        return self._data.item()

    # shape and type
    shape = property(lambda self: self._data.shape)
    dtype = property(lambda self: self._data.dtype)
    size = property(lambda self: self._data.size)
    ndim = property(lambda self: self._data.ndim)
    T = property(lambda self: DeviceArray(self._data.T))

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"DeviceArray({self._data!r})"

    def __getattr__(self, name: str) -> Any:  # astype, reshape, max, sum, argmax, ravel, ...
        if name.startswith("__") or name == "_data":
            raise AttributeError(name)
        if name in ("flat", "data", "base", "ctypes"):
            raise _refuse(f"`.{name}` of a device array (host memory)")
        attr = getattr(self._data, name)
        return _on_device(attr) if callable(attr) else _wrap(attr)  # .real, .imag: on the device

    def __getitem__(self, key: Any) -> DeviceArray:
        return DeviceArray(self._data[_unwrap_key(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._data[_unwrap_key(key)] = _unwrap(value)


def _unwrap(value: Any) -> Any:
    """Device data for device work: a device array's data, or a Python or NumPy scalar."""
    if isinstance(value, DeviceArray):
        return value._data
    if isinstance(value, np.ndarray):
        raise _refuse(f"a host array (shape {value.shape}) mixed into device work")
    if isinstance(value, list | tuple):
        return type(value)(_unwrap(v) for v in value)
    return value


def _unwrap_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_unwrap(k) for k in key)
    return _unwrap(key)


def _wrap(value: Any) -> Any:
    """Results stay on the device: arrays, and NumPy scalars as 0-d arrays (as CuPy's max(),
    sum() ... give), so that `int(x.max())` is caught as the implicit transfer it is."""
    if isinstance(value, np.ndarray | np.generic):
        return DeviceArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    return value


def _on_device(function: Any) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        args = tuple(_unwrap(a) for a in args)
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        return _wrap(function(*args, **kwargs))

    return call


def _operator(op: Any, reflected: bool = False) -> Any:
    def method(self: DeviceArray, other: Any) -> DeviceArray:
        a, b = self._data, _unwrap(other)
        return DeviceArray(np.asarray(op(b, a) if reflected else op(a, b)))

    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor"):
    _op = getattr(operator, _name if hasattr(operator, _name) else f"{_name}_")
    setattr(DeviceArray, f"__{_name}__", _operator(_op))
    setattr(DeviceArray, f"__r{_name}__", _operator(_op, reflected=True))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(DeviceArray, f"__{_name}__", _operator(getattr(operator, _name)))
DeviceArray.__neg__ = lambda self: DeviceArray(-self._data)  # type: ignore[method-assign]
DeviceArray.__invert__ = lambda self: DeviceArray(~self._data)  # type: ignore[method-assign]
DeviceArray.__hash__ = None  # type: ignore[assignment]


class _ArrayModule(types.ModuleType):
    """The fake device's `xp`: NumPy's functions on device arrays, results on the device.
    `asarray` also uploads a host array, as cupy.asarray does (an explicit copy)."""

    def __getattr__(self, name: str) -> Any:
        attr = getattr(np, name)
        if isinstance(attr, type) or not callable(attr):
            return attr  # dtypes and constants
        return _on_device(attr)

    def asarray(self, value: Any, dtype: Any = None) -> DeviceArray:
        data = value._data if isinstance(value, DeviceArray) else np.asarray(value)
        return DeviceArray(data.astype(dtype) if dtype is not None else data)


XP = _ArrayModule("fake_cupy")


class DeviceCSR:
    """A CSR matrix on the fake device (cupyx.scipy.sparse.csr_matrix's stand-in): its parts are
    device arrays; `get()` brings it to the host as SciPy's, as CuPy's does."""

    def __init__(self, data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> None:
        for name, part in (("data", data), ("indices", indices), ("indptr", indptr)):
            if not isinstance(part, DeviceArray) or part.ndim != 1:
                raise _refuse(f"a CSR matrix's {name} must be a 1-D device array")
        self._csr = sparse.csr_matrix((data._data, indices._data, indptr._data), shape=shape)

    shape = property(lambda self: self._csr.shape)
    nnz = property(lambda self: self._csr.nnz)
    dtype = property(lambda self: self._csr.dtype)

    def get(self) -> sparse.csr_matrix:
        return self._csr.copy()


# --- the GPU column, stood in for --------------------------------------------------------------


def _device_input(value: Any) -> Any:
    """What a cuML estimator takes: a device array, or a device sparse matrix (a precomputed
    affinity). Host NumPy arrays and SciPy matrices are refused: on the GPU they would be copied
    per call."""
    if isinstance(value, DeviceArray):
        return value._data
    if isinstance(value, DeviceCSR):
        return value.get()
    raise _refuse(f"a {type(value).__name__} passed to a device estimator")


class StrictEstimator:
    """A cuML estimator's stand-in: device arrays in, device arrays out."""

    def __init__(self, estimator: Any) -> None:
        self._estimator = estimator

    def _call(self, method: str, *args: Any) -> Any:
        return _wrap(getattr(self._estimator, method)(*(_device_input(a) for a in args)))

    def fit(self, X: Any, y: Any = None) -> StrictEstimator:
        self._call("fit", X) if y is None else self._call("fit", X, y)
        return self

    def fit_predict(self, X: Any) -> Any:
        return self._call("fit_predict", X)

    def fit_transform(self, X: Any) -> Any:
        return self._call("fit_transform", X)

    def transform(self, X: Any) -> Any:
        return self._call("transform", X)

    def predict(self, X: Any) -> Any:
        return self._call("predict", X)

    def kneighbors(self, X: Any) -> Any:
        return self._call("kneighbors", X)


# cuML HDBSCAN.fit's min_samples range (tests/test_gpu_contract.py reads it from cuML), and what
# its min_samples lacks of scikit-learn's: the point itself
CUML_HDBSCAN_MIN_SAMPLES = (1, 1023)
CUML_HDBSCAN_SHIFT = 1


class CumlHDBSCAN(HDBSCAN):
    """scikit-learn's HDBSCAN with cuML's min_samples: refused outside cuML's range, as cuML's
    fit refuses it, and counting the neighbours besides the point."""

    def fit(self, X: Any, y: Any = None) -> CumlHDBSCAN:
        k = self.min_cluster_size if self.min_samples is None else self.min_samples
        low, high = CUML_HDBSCAN_MIN_SAMPLES
        if not low <= k <= high:
            raise ValueError(f"HDBSCAN requires `{low} <= min_samples <= {high}`, got {k}")
        params = {**self.get_params(), "min_samples": k + CUML_HDBSCAN_SHIFT}
        self.labels_ = HDBSCAN(**params).fit(X).labels_
        return self


def _class(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


ESTIMATORS = {  # cuML class -> the stand-in's class, built with cuML's keywords
    "cuml.decomposition.PCA": "sklearn.decomposition.PCA",
    "cuml.neighbors.KNeighborsClassifier": "sklearn.neighbors.KNeighborsClassifier",
    "cuml.neighbors.NearestNeighbors": "sklearn.neighbors.NearestNeighbors",
    "cuml.cluster.KMeans": "sklearn.cluster.KMeans",
    "cuml.cluster.SpectralClustering": "sklearn.cluster.SpectralClustering",
    "cuml.cluster.DBSCAN": "sklearn.cluster.DBSCAN",
    "cuml.cluster.HDBSCAN": "tests.fake_device.CumlHDBSCAN",
    "cuml.manifold.UMAP": "umap.UMAP",
}
METRICS = {  # cuML function -> scikit-learn's; both return a host float
    "cuml.metrics.adjusted_rand_score": "sklearn.metrics.adjusted_rand_score",
    "cuml.metrics.cluster.v_measure_score": "sklearn.metrics.v_measure_score",
    "cuml.metrics.cluster.silhouette_score": "sklearn.metrics.silhouette_score",
}


def _metric(path: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> float:
        return float(_class(METRICS[path])(*(_device_input(a) for a in args), **kwargs))

    return call


def _radius_pairs(X_dev: Any, eps_max: float) -> tuple[DeviceArray, DeviceArray]:
    """cuML's radius query stood in for by scikit-learn's: device features in, the indices of
    every pair within eps_max out, on the device."""
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(radius=float(eps_max)).fit(_device_input(X_dev))
    pairs = index.radius_neighbors_graph(_device_input(X_dev)).tocoo()
    return DeviceArray(pairs.row), DeviceArray(pairs.col)


def _gpu_graph(X: Any, eps_max: float, n_jobs: int | None = None) -> Any:
    """gpu_graph.neighbour_graph on the fake device: its own code, with this device's array
    module and transfers, and scikit-learn's radius query in place of cuML's."""
    from clusterbench.grid import gpu_graph

    if not isinstance(X, np.ndarray):
        raise _refuse("the neighbour graph takes the host features")
    return gpu_graph.graph_from_pairs(XP, X, eps_max, _radius_pairs, FakeDeviceBackend().to_host)


def _local_cuda_cluster(**kwargs: Any) -> Any:
    """dask_cuda.LocalCUDACluster's stand-in: one threaded worker (n_workers None: per GPU)."""
    from distributed import LocalCluster

    return LocalCluster(n_workers=kwargs.pop("n_workers") or 1, processes=False, **kwargs)


FUNCTIONS = {"clusterbench.grid.gpu_graph.neighbour_graph": _gpu_graph}
CLUSTERS = {"dask_cuda.LocalCUDACluster": _local_cuda_cluster}


class FakeDeviceBackend(Backend):
    """The GPU backend, on a strict fake device."""

    name = "gpu"
    column = "gpu"
    xp = XP

    def to_device(self, array: Any) -> DeviceArray:
        if not isinstance(array, np.ndarray):
            raise _refuse(f"to_device of a {type(array).__name__}, not a host array")
        return DeviceArray(array.copy())

    def to_host(self, array: Any) -> np.ndarray:
        if not isinstance(array, DeviceArray):
            raise _refuse(f"to_host of a {type(array).__name__}, not a device array")
        return array._data.copy()

    def csr_matrix(self, data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> Any:
        return DeviceCSR(data, indices, indptr, shape)

    def device_memory(self) -> dict[str, int]:
        return {"device_used_bytes": 0, "device_pool_used_bytes": 0}

    def free_memory(self) -> int:
        return 8 * 2**30

    def environment(self) -> dict[str, Any]:
        return {
            "gpu_name": "fake device (tests)",
            "gpu_memory_bytes": 8 * 2**30,
            "gpu_count": 1,
            "cuda_driver_version": None,
            "cuda_runtime_version": None,
        }

    def build(self, pair: Pair, params: Params | DaskOptions) -> Any:
        impl = self._impl(pair)  # what ran, and its solvers, recorded as the GPU backend does
        self._solvers(pair, impl, params)
        kwargs = impl.kwargs(params)
        if impl.path in CLUSTERS:
            return CLUSTERS[impl.path](**kwargs)
        return StrictEstimator(_class(ESTIMATORS[impl.path])(**kwargs))

    def function(self, pair: Pair) -> Any:
        path = pair.gpu.path
        return FUNCTIONS[path] if path in FUNCTIONS else _metric(path)


class FakeAccelBackend(Backend):
    """gpu-accel's stand-in: the stock column, host arrays (cuml.accel's contract)."""

    name = "gpu-accel"
    column = "cpu"
    accel_column = "gpu"


def install(monkeypatch: Any) -> None:
    """From now on (until monkeypatch undoes it) a usable "GPU" is this fake device."""
    from clusterbench.grid import tasks

    monkeypatch.setattr(backends, "probe_gpu", lambda: GpuProbe(True, "fake device (tests)"))
    for module, name, fake in (
        ("clusterbench.backends.gpu", "GpuBackend", FakeDeviceBackend),
        ("clusterbench.backends.accel", "GpuAccelBackend", FakeAccelBackend),
    ):  # what backends.select imports once a device has answered
        stand_in = types.ModuleType(module)
        setattr(stand_in, name, fake)
        monkeypatch.setitem(sys.modules, module, stand_in)
    if hasattr(tasks.worker_backend, "cache_clear"):  # not yet installed by this monkeypatch
        tasks.worker_backend.cache_clear()
    monkeypatch.setattr(tasks, "worker_backend", backends.select_backend)
