"""Shared fixtures: the real MNIST directory, and writers for small IDX and CSV files."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from clusterbench.data import mnist


def _mnist_dir() -> Path | None:
    env = os.environ.get(mnist.DATA_DIR_ENV)
    candidates = [Path(env)] if env else []
    candidates.append(mnist.cache_dir())
    for directory in candidates:
        if directory.is_dir() and not mnist.missing_files(directory):
            return directory
    return None


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST files. CI sets CLUSTERBENCH_STRICT=1 so that a missing copy fails."""
    directory = _mnist_dir()
    if directory is None:
        message = f"real MNIST not found: set {mnist.DATA_DIR_ENV} to the four IDX files"
        if os.environ.get("CLUSTERBENCH_STRICT"):
            pytest.fail(message)
        pytest.skip(message)
    return directory


@pytest.fixture
def infimnist_cache(tmp_path, monkeypatch) -> Path:
    """A cache of generated digits of this test's own (never the user's)."""
    monkeypatch.setenv(mnist.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    magic = magic if magic is not None else 0x0800 + array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_idx_dir(
    directory: Path,
    n_train: int = 30,
    n_test: int = 10,
    gz: bool = True,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """A small, structurally valid four-file IDX set (not MNIST, so its checksums differ)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(n_test) % 10,
    }
    directory.mkdir(parents=True, exist_ok=True)
    for stem, array in arrays.items():
        data = idx_bytes(array)
        if gz:
            (directory / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (directory / stem).write_bytes(data)
    return arrays


def kaggle_csv(rows: int = 20, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    lines = [header]
    for i in range(rows):
        pixels = rng.integers(0, 256, 784)
        lines.append(f"{i % 10}," + ",".join(map(str, pixels)))
    return "\n".join(lines) + "\n"


# CLUSTERBENCH_FAKE_GPU=1 runs the whole suite as on a GPU machine: a usable "GPU", the strict
# fake device of tests/fake_device.py, which `--backend auto` picks. That is how the tests that
# mean "no GPU here" are found (they must force --backend cpu or carry `no_gpu`).
FAKE_GPU = bool(os.environ.get("CLUSTERBENCH_FAKE_GPU"))


@pytest.fixture(autouse=True)
def _fake_gpu_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    if FAKE_GPU:
        from tests import fake_device

        fake_device.install(monkeypatch)


def _usable_gpu() -> bool:
    from clusterbench.backends import probe_gpu

    return FAKE_GPU or probe_gpu().usable


# A test that means "no GPU here" (auto falls back to the CPU) skips on a GPU machine.
no_gpu = pytest.mark.skipif(_usable_gpu(), reason="a usable GPU is present: auto picks it")


def require_intelex() -> None:
    """Skip (fail under CLUSTERBENCH_STRICT) where the `intel` extra is not installed."""
    import importlib.util

    if importlib.util.find_spec("sklearnex") is None:
        message = "the intel extra is not installed (sklearnex missing)"
        if os.environ.get("CLUSTERBENCH_STRICT"):
            pytest.fail(message)
        pytest.skip(message)


def require_gpu_packages() -> None:
    """Skip (fail under CLUSTERBENCH_STRICT) where the `gpu` extra is not installed."""
    import importlib.util

    missing = [m for m in ("cupy", "cuml", "dask_cuda") if importlib.util.find_spec(m) is None]
    if missing:
        message = f"the gpu extra is not installed ({', '.join(missing)} missing)"
        if os.environ.get("CLUSTERBENCH_STRICT"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's (pyproject's addopts: -n auto)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from tests.scheduling import GroupScheduling

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `gpu` skip, with the probe's reason, where no usable GPU is found."""
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    if FAKE_GPU:
        for item in gpu_items:
            item.add_marker(pytest.mark.skip(reason="CLUSTERBENCH_FAKE_GPU: a fake, not a GPU"))
        return
    from clusterbench.backends import probe_gpu

    probe = probe_gpu()
    if not probe.usable:
        for item in gpu_items:
            item.add_marker(pytest.mark.skip(reason=f"no usable GPU: {probe.reason}"))


@pytest.fixture(autouse=True)
def _no_client_left_to_the_collector():
    """A Dask client an earlier test left to the garbage collector restores Dask's global
    scheduler setting when it is collected, possibly inside a later test's one-process Dask
    work: collect it before each test."""
    import gc

    gc.collect()
    yield
