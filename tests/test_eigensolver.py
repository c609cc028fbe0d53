"""The spectral rows say which eigensolver ran on each backend: the registry declares it, the
run record keeps it, the report shows it; cuML's is read from cuML's own documentation."""

from __future__ import annotations

import inspect
from dataclasses import replace

import pytest

from clusterbench.cli import main
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.run import run
from clusterbench.records import SuiteCase, write_record
from clusterbench.registry import METHODS, Params
from tests import fake_device
from tests.conftest import require_gpu_packages
from tests.records import run_case, suite

SPECTRAL = [name for name, row in METHODS.items() if "SpectralClustering" in row.cpu.path]
COLUMNS = ("cpu", "gpu", "intelex", "dask", "dask_gpu")


def test_every_spectral_row_names_its_eigensolver_in_every_column():
    assert set(SPECTRAL) == {"spectral", "spectral-nystrom", "umap-spectral"}
    for name in SPECTRAL:
        for column in COLUMNS:
            impl = getattr(METHODS[name], column)
            if impl is not None:
                assert set(impl.solvers(Params())) == {"eigensolver"}, (name, column)


@pytest.mark.parametrize("name", ["spectral", "umap-spectral"])
def test_the_cpu_eigensolver_is_the_one_scikit_learn_is_given(name):
    """What the record says is what the estimator was built with, not a label beside it."""
    impl = METHODS[name].cpu
    estimator = impl.build(Params())
    assert impl.solvers(Params())["eigensolver"] == estimator.get_params()["eigen_solver"]
    assert estimator.get_params()["eigen_solver"] == "amg"


@pytest.mark.parametrize("name", ["spectral", "umap-spectral"])
def test_the_cuml_eigensolver_is_the_one_cuml_documents(name):
    """cuML takes no eigen_solver; its docstring names the solver it always runs."""
    require_gpu_packages()
    cls = METHODS[name].gpu.resolve()
    assert "eigen_solver" not in inspect.signature(cls).parameters
    solver = METHODS[name].gpu.solvers(Params())["eigensolver"]
    assert f"uses the {solver.capitalize()} approach" in inspect.getdoc(cls)


def _spectral(method: str, backend: str):
    params = Params(n_components=20)
    return run(
        RunConfig(dataset="digits", method=method, params=params, backend=backend),
        log=lambda _: None,
    )


def test_a_cpu_record_says_amg():
    record = _spectral("spectral", "cpu")
    assert record.solvers == {"eigensolver": "amg"}


def test_a_fake_gpu_record_says_lanczos(monkeypatch):
    fake_device.install(monkeypatch)
    assert _spectral("spectral", "gpu").solvers == {"eigensolver": "lanczos"}
    umap = _spectral("umap-spectral", "gpu")
    assert umap.solvers == {"eigensolver": "lanczos", "umap": "deterministic"}
    accel = _spectral("spectral", "gpu-accel")  # cuml.accel runs cuML's where it takes the fit
    assert accel.solvers == {"eigensolver": "lanczos (cuml.accel; amg if it falls back)"}


def test_the_report_shows_each_backend_eigensolver(tmp_path):
    paths = []
    for backend, solver in (("cpu", "amg"), ("gpu", "lanczos")):
        base = suite(backend, 1.0)
        cases = [
            SuiteCase(c.name, replace(c.record, solvers={"eigensolver": solver}))
            if c.name == "spectral"
            else c
            for c in base.cases
        ]
        paths.append(write_record(replace(base, cases=cases), tmp_path / f"{backend}.json"))
    assert main(["report", *map(str, paths), "--out", str(tmp_path / "out")]) == 0
    readme = (tmp_path / "out" / "README.md").read_text()
    accuracy = readme[readme.index("### Accuracy") :]
    assert "| quick | spectral | cpu | 0.7400 | 0.6400 | eigensolver amg |" in accuracy
    assert "| quick | spectral | gpu | 0.7400 | 0.6400 | eigensolver lanczos |" in accuracy


def test_a_single_run_row_shows_its_eigensolver(tmp_path):
    from tests.records import environment

    record = replace(
        run_case("spectral", 4.0, 0.7, 0.6),
        environment=environment("box"),
        solvers={"eigensolver": "amg"},
    )
    path = write_record(record, tmp_path / "run.json")
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 0
    assert "| eigensolver amg |" in (tmp_path / "out" / "README.md").read_text()


def test_every_tolerance_row_says_where_its_figures_come_from():
    """A row is measured (its record is in the repository and holds its figures) or says it is
    an estimate; the README's table shows which."""
    from pathlib import Path

    from clusterbench.parity import tolerances
    from clusterbench.records import load_record

    root = Path(__file__).parents[1]
    for name in METHODS:
        for mode in tolerances.UMAP_MODES:
            basis = tolerances.for_method(name, mode).basis
            assert basis == tolerances.ESTIMATE or tolerances.SPREAD_RECORD in basis, name
    assert tolerances.for_method("kmeans").basis == tolerances.ESTIMATE
    record = load_record(root / tolerances.SPREAD_RECORD)
    eigen = record.results["eigensolver"]
    assert tuple(eigen["seeds"]) == tolerances.EIGENSOLVER_SEEDS
    assert eigen["compared"] == ["amg", "arpack"]
    measured = eigen["largest_gap"]["test_accuracy"], eigen["largest_gap"]["ari"]
    assert measured == pytest.approx(tolerances.EIGENSOLVER_GAP, abs=5e-5)
    spectral = tolerances.for_method("spectral")
    assert spectral.basis != tolerances.ESTIMATE and "Lanczos" in spectral.reason
    assert spectral.accuracy >= measured[0] and spectral.ari >= measured[1]
    assert "| basis |" in tolerances.table().splitlines()[0]
