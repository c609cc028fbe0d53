"""pytest-benchmark fixtures: the real MNIST split, and the backends (GPU skips where absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clusterbench.backends import Backend, probe_gpu, select_backend
from clusterbench.data import DataOptions, load_dataset, make_split


@pytest.fixture(scope="session")
def mnist():
    env = os.environ.get("CLUSTERBENCH_DATA_DIR")
    try:
        dataset = load_dataset("mnist", DataOptions(Path(env) if env else None))
    except Exception as exc:  # benchmarks need the real data: say why they cannot run
        pytest.skip(f"MNIST not available ({exc})")
    return dataset


@pytest.fixture(scope="session")
def canonical(mnist):
    return make_split(mnist, "canonical", seed=137)


@pytest.fixture(params=["cpu", "gpu"])
def backend(request) -> Backend:
    if request.param == "gpu":
        probe = probe_gpu()
        if not probe.usable:
            pytest.skip(f"no usable GPU: {probe.reason}")
    return select_backend(request.param)
