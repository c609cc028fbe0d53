"""The GPU code path, run on a strict fake device (tests/fake_device.py) without a GPU: every
method, the budget curve and the grid, with every implicit host/device crossing an error."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from clusterbench.backends import Backend, select_backend
from clusterbench.errors import BackendError
from clusterbench.grid.runner import GridConfig, run_grid
from clusterbench.grid.spec import GridSpec
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.estimator import ClusterThenLabel
from clusterbench.pipeline.run import run
from clusterbench.registry import METHODS, DaskOptions, Params
from clusterbench.suites.budget import labelling_budget
from tests import fake_device
from tests.fake_device import DeviceArray, FakeDeviceBackend, HostMixingError
from tests.thresholds import DIGITS_ACCURACY, UMAP_DIGITS_ACCURACY

PARAMS = {  # digits-sized (1,617 training digits)
    "kmeans": Params(n_components=20, knn_space="pca"),  # the PCA-space KNN's device path
    "dbscan": Params(n_components=20, eps=1.0, min_samples=5),
    "umap-hdbscan": Params(n_components=20, min_cluster_size=20),
}


@pytest.fixture
def fake_gpu(monkeypatch):
    fake_device.install(monkeypatch)


def test_the_fake_device_refuses_every_implicit_crossing():
    backend = FakeDeviceBackend()
    x = backend.to_device(np.arange(6.0))
    for implicit in (
        lambda: np.asarray(x),
        lambda: float(x.max()),
        lambda: int(x.sum()),
        lambda: list(x),
        lambda: x + np.ones(6),  # a host operand
        lambda: x[np.array([0, 1])],  # a host index
        lambda: backend.xp.bincount(np.array([0, 1])),  # a host argument
        lambda: backend.build(METHODS["kmeans"], Params()).fit(np.ones((6, 2))),
        lambda: backend.to_host(np.ones(2)),
    ):
        with pytest.raises(HostMixingError):
            implicit()
    assert isinstance(x * 2 + 1, DeviceArray) and int(backend.to_host(x.max())) == 5


def test_an_implicit_transfer_in_device_code_is_caught():
    """The kind of line the fake device found in the pipeline (`int(ids.max()) + 1`, now
    `int(backend.to_host(ids.max())) + 1`): it fails here, as it would silently sync on a GPU."""
    backend = FakeDeviceBackend()
    ids = backend.to_device(np.array([0, 2, 1]))
    with pytest.raises(HostMixingError, match="int\\(\\) of a device array"):
        int(ids.max()) + 1
    assert int(backend.to_host(ids.max())) + 1 == 3


@pytest.mark.parametrize("method", [m for m, pair in METHODS.items() if pair.gpu is not None])
def test_every_method_runs_on_the_fake_device(fake_gpu, method):
    record = run(
        RunConfig(
            dataset="digits",
            method=method,
            params=PARAMS.get(method, Params(n_components=20)),
            backend="gpu",
        ),
        log=lambda _: None,
    )
    assert record.backend == "gpu" and record.environment.gpu["gpu_name"] == "fake device (tests)"
    assert record.metrics["test_accuracy"] >= {**DIGITS_ACCURACY, **UMAP_DIGITS_ACCURACY}[method]
    assert set(record.memory["cluster"]) >= {"peak_device_used_bytes"}


@pytest.mark.parametrize("min_cluster_size", [30, 1100])
def test_hdbscan_gives_the_same_clusters_on_the_fake_device_as_on_the_cpu(min_cluster_size):
    """The umap-hdbscan row's HDBSCAN on the fake device (cuML's min_samples: its range, the
    point left out) and on the CPU: the same labels, beyond cuML's min_samples limit too."""
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(c, 1.0, (1200, 2)) for c in (0.0, 9.0)]).astype(np.float32)
    row, params = METHODS["umap-hdbscan"], Params(min_cluster_size=min_cluster_size)
    on_cpu = Backend().build(row, params).fit_predict(X)
    device = FakeDeviceBackend()
    on_device = device.to_host(device.build(row, params).fit_predict(device.to_device(X)))
    np.testing.assert_array_equal(on_device, on_cpu)
    assert len(set(on_cpu.tolist()) - {-1}) >= 2  # clusters, not all noise


def test_the_fake_hdbscan_refuses_what_cumls_refuses():
    with pytest.raises(ValueError, match="min_samples <= 1023"):
        fake_device.CumlHDBSCAN(min_cluster_size=2000).fit(np.zeros((3000, 2)))


def test_auto_picks_the_fake_device(fake_gpu):
    assert isinstance(select_backend("auto"), FakeDeviceBackend)


def test_the_budget_curve_runs_on_the_fake_device(fake_gpu):
    record = labelling_budget(
        RunConfig(dataset="digits", method="kmeans", params=Params(n_components=20), backend="gpu"),
        (10, 20),
        lambda _: None,
    )
    assert record.backend == "gpu" and [p.clusters for p in record.points] == [10, 20]


def _small_gpu_grid(engine: str, tmp_path: Path) -> GridConfig:
    """A 2 x 2 grid of the digits on the fake device."""
    return GridConfig(
        dataset="digits",
        n_components=10,
        spec=GridSpec.parse("1:2:2", "2:12:5"),
        backend="gpu",
        engine=engine,
        dask=DaskOptions(processes=False),
        out=tmp_path / "grid.jsonl",
    )


@pytest.mark.parametrize(
    ("engine", "workers"),
    [("sweep", os.cpu_count()), ("loop", 1)],  # host cores for the sweep; one per GPU for loop
)
def test_the_grid_runs_on_the_fake_device(fake_gpu, tmp_path: Path, engine, workers):
    config = _small_gpu_grid(engine, tmp_path)
    lines: list[str] = []
    grid = run_grid(config, lines.append).record
    assert grid.header["backend"] == "gpu" and grid.n_failed == 0 and len(grid.rows) == 4
    assert any(line.startswith(f"dask: {workers} worker(s)") for line in lines), lines


def test_a_model_on_the_fake_device_keeps_its_arrays_there():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    model = ClusterThenLabel("kmeans", Params(n_components=10), FakeDeviceBackend())
    model.fit((X * 16).astype(np.uint8), y)
    assert isinstance(model.cluster_ids_, DeviceArray) and isinstance(model.embedding_, DeviceArray)
    assert isinstance(model.predict((X[:5] * 16).astype(np.uint8)), np.ndarray)  # to_host'ed


def test_the_grid_refuses_a_graph_the_device_cannot_hold(fake_gpu, tmp_path, monkeypatch, capsys):
    from clusterbench.cli import main

    monkeypatch.setattr(FakeDeviceBackend, "free_memory", lambda self: 1000)
    argv = ["grid", "--dataset", "digits", "--pca", "10", "--backend", "gpu"]
    assert main([*argv, "--eps-range", "1:3:3", "--jsonl", str(tmp_path / "g.jsonl")]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        last.startswith("clusterbench: error: the neighbour graph") and "free on the device" in last
    )
    assert not (tmp_path / "g.jsonl").exists()


def test_a_method_cuml_lacks_is_refused_on_the_gpu_in_one_line(fake_gpu):
    config = RunConfig(dataset="digits", method="spectral-nystrom", backend="gpu")
    with pytest.raises(BackendError, match="spectral-nystrom has no GPU implementation"):
        run(config, log=lambda _: None)


def test_the_sweeps_gpu_graph_is_gpu_graph_py_running_on_the_fake_device(
    fake_gpu, tmp_path, monkeypatch
):
    """The GPU grid's neighbour graph is gpu_graph.py's own code, run with the fake device's
    array module and transfers (scikit-learn's radius query in cuML's place), not the host graph
    swapped in; on PCA-10 digits (a k-d tree on the CPU) it is the CPU graph, bit for bit."""
    from clusterbench.grid import gpu_graph
    from clusterbench.grid.engines import SweepEngine
    from clusterbench.grid.sweep import neighbour_graph

    ran, built = [], []
    real = getattr(gpu_graph, "graph_from_pairs", None)

    def spy(xp, *args, **kwargs):
        ran.append(xp)
        return real(xp, *args, **kwargs)

    monkeypatch.setattr(gpu_graph, "graph_from_pairs", spy, raising=False)
    shared = SweepEngine.shared

    def keep(self, X, y, todo, *args):
        data, seconds = shared(self, X, y, todo, *args)
        built.append((X, max(e for e, _ in todo), data["graph"]))
        return data, seconds

    monkeypatch.setattr(SweepEngine, "shared", keep)
    config = GridConfig(
        dataset="digits",
        n_components=10,
        spec=GridSpec.parse("1:2:2", "2:12:5"),
        backend="gpu",
        dask=DaskOptions(processes=False),
        out=tmp_path / "grid.jsonl",
    )
    assert run_grid(config, lambda _: None).record.n_failed == 0
    assert ran == [fake_device.XP], "gpu_graph.py's code did not run on the fake device"
    ((X, eps_max, graph),) = built
    cpu = neighbour_graph(X, eps_max).csr
    for part in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(graph.csr, part), getattr(cpu, part), part)


def test_a_device_estimator_refuses_a_host_sparse_matrix():
    """A precomputed affinity handed over as SciPy's matrix would be copied to the device on
    each call, like a host array: the fake device refuses both."""
    from scipy import sparse

    backend = FakeDeviceBackend()
    spectral = backend.build(METHODS["umap-spectral"], Params(n_clusters=2))
    with pytest.raises(HostMixingError, match="csr_matrix passed to a device estimator"):
        spectral.fit_predict(sparse.identity(6, format="csr"))


@pytest.mark.parametrize(("engine", "fit_on"), [("sweep", "host"), ("loop", "device")])
def test_a_gpu_grid_keeps_its_host_seconds_apart(fake_gpu, tmp_path, engine, fit_on):
    """A gpu grid's sweep labels the configurations on host CPU workers: its rows say their fit
    seconds are the host's, its timing and summary give the host share apart from the graph's
    seconds on the device; the loop's rows are cuML fits, on the device."""
    from clusterbench.grid.runner import GridOutcome
    from clusterbench.report.text import format_grid

    config = _small_gpu_grid(engine, tmp_path)
    outcome: GridOutcome = run_grid(config, lambda _: None)
    record, timing = outcome.record, outcome.record.timing
    assert {r["fit_on"] for r in record.rows} == {fit_on}
    summary = format_grid(outcome).splitlines()[0]
    if engine == "sweep":
        assert timing.graph_s > 0 and timing.host_sweep_s > 0
        assert f"{timing.host_sweep_s:.1f} s the sweep on host CPU workers" in summary, summary
        assert f"{timing.graph_s:.1f} s the neighbour graph on the gpu" in summary, summary
    else:
        assert timing.graph_s is None and "host CPU workers" not in summary
