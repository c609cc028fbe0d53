"""`pytest bench/`: which suite's cases it times, on which data and backends, in one process."""

from __future__ import annotations

import pytest

from clusterbench.errors import ConfigError
from clusterbench.suites.file import Suite, load_suite

SUITE = pytest.StashKey[Suite]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("clusterbench", "the suite that pytest bench/ times")
    group.addoption(
        "--bench-suite",
        default="quick",
        help="a shipped suite's name or a suite file's path (default: quick)",
    )
    group.addoption(
        "--bench-dataset",
        choices=("mnist", "digits"),
        default="mnist",
        help="mnist (the suites' own data) or scikit-learn's bundled digits: the same cases in "
        "minutes, on all 1,797 digits and the seed protocol (scale cases skip)",
    )
    group.addoption(
        "--bench-repeat", type=int, help="runs per pipeline case (default: the suite's repeat)"
    )
    group.addoption(
        "--bench-backends",
        default="cpu,gpu",
        help="comma-separated; one that cannot run here skips with the reason (default: cpu,gpu)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """The suite, read once; a mistake in it or in the options is one line, before collection."""
    try:
        config.stash[SUITE] = load_suite(config.getoption("bench_suite"))
    except ConfigError as exc:
        raise pytest.UsageError(f"--bench-suite: {exc}") from None
    names = config.getoption("bench_backends").split(",")
    if "gpu-accel" in names and len(names) > 1:
        raise pytest.UsageError(
            "--bench-backends: gpu-accel patches scikit-learn for the whole process; "
            "time it in a session of its own"
        )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every case of the suite file, on every backend asked for."""
    config = metafunc.config
    if "case" in metafunc.fixturenames:
        cases = config.stash[SUITE].cases
        metafunc.parametrize("case", cases, ids=[case.name for case in cases])
    if "backend_name" in metafunc.fixturenames:
        metafunc.parametrize("backend_name", config.getoption("bench_backends").split(","))


@pytest.fixture(scope="session")
def suite(pytestconfig: pytest.Config) -> Suite:
    return pytestconfig.stash[SUITE]


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's: pyproject's `-n auto` is for tests/
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """No workers: timings share no cores, and pytest-benchmark times nothing under xdist."""
    return 0
