"""`pytest bench/`: which suite's cases it times, on which data and backends, in one process."""

from __future__ import annotations

import pytest

from clusterbench.suites.file import load_suite


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
        "seconds, on all 1,797 digits and the seed protocol (scale cases skip)",
    )
    group.addoption(
        "--bench-repeat", type=int, help="runs per pipeline case (default: the suite's repeat)"
    )
    group.addoption(
        "--bench-backends",
        default="cpu,gpu",
        help="comma-separated; one that cannot run here skips with the reason (default: cpu,gpu)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every case of the suite file, on every backend asked for."""
    config = metafunc.config
    if "case" in metafunc.fixturenames:
        cases = load_suite(config.getoption("bench_suite")).cases
        metafunc.parametrize("case", cases, ids=[case.name for case in cases])
    if "backend_name" in metafunc.fixturenames:
        names = config.getoption("bench_backends").split(",")
        if "gpu-accel" in names and len(names) > 1:
            raise pytest.UsageError(
                "--bench-backends: gpu-accel patches scikit-learn for the whole process; "
                "time it in a session of its own"
            )
        metafunc.parametrize("backend_name", names)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's: pyproject's `-n auto` is for tests/
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """No workers: timings share no cores, and pytest-benchmark times nothing under xdist."""
    return 0
