"""Backend selection: the one place that decides CPU or GPU, and says why."""

from __future__ import annotations

import importlib
import sys

import pytest

from clusterbench.backends import Backend, probe_gpu, select_backend
from clusterbench.backends import select as backends
from clusterbench.cli import main
from clusterbench.errors import BackendError
from tests.conftest import no_gpu, require_gpu_packages


@no_gpu
def test_installed_gpu_packages_without_a_device_fall_back_to_the_cpu():
    require_gpu_packages()
    probe = probe_gpu()
    assert not probe.usable
    assert "driver" in probe.reason or "device" in probe.reason
    backend = select_backend("auto")
    assert type(backend) is Backend and backend.name == "cpu"
    assert backend.reason == f"auto: no usable GPU ({probe.reason})"


@no_gpu
def test_backend_gpu_without_a_device_is_a_one_line_error(capsys):
    require_gpu_packages()
    with pytest.raises(BackendError, match="--backend gpu cannot run here: no"):
        select_backend("gpu")
    assert main(["run", "--dataset", "digits", "--backend", "gpu"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("clusterbench: error: --backend gpu cannot run here")
    assert "\n" not in err


@pytest.fixture
def real_probe(monkeypatch):
    """The real probe, also where CLUSTERBENCH_FAKE_GPU stood a fake device in for it."""
    monkeypatch.setattr(backends, "probe_gpu", probe_gpu)


@pytest.mark.usefixtures("real_probe")
def test_missing_gpu_packages_are_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` raise ImportError
    probe = probe_gpu()
    assert not probe.usable and probe.reason.startswith("package missing: cupy")
    assert select_backend("auto").name == "cpu"
    with pytest.raises(BackendError, match="package missing: cupy"):
        select_backend("gpu")


def test_cpu_is_chosen_without_probing(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    assert select_backend("cpu").reason == "requested with --backend cpu"


@pytest.mark.usefixtures("real_probe")
@pytest.mark.parametrize("error", [OSError, RuntimeError])
def test_a_cuda_library_that_does_not_load_falls_back_to_the_cpu(monkeypatch, error):
    """An OSError/RuntimeError on import (a driver or library mismatch) is "not usable"."""

    def broken_import(name, *args, **kwargs):
        if name in ("cupy", "cuml"):
            raise error("libcudart.so.12: cannot open shared object file\nmore detail")
        return real_import(name, *args, **kwargs)

    real_import = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", broken_import)
    probe = probe_gpu()
    assert not probe.usable
    first_line = "libcudart.so.12: cannot open shared object file"
    assert probe.reason == f"cupy does not import ({error.__name__}: {first_line})"
    backend = select_backend("auto")
    assert backend.name == "cpu" and backend.reason.startswith("auto: no usable GPU (cupy does")
