"""The scale case: one method over growing InfiMNIST training sets, each size timed per stage
with its peak memory, stopped by the time budget or by memory it would not have."""

from __future__ import annotations

import pytest

from clusterbench.cli import main
from clusterbench.records import ScalePoint, ScaleRecord, StageTimes, SuiteRecord, load_record
from clusterbench.suites import scale

SUITE = """
repeat = 2
[[case]]
kind = "scale"
name = "kmeans"
method = "kmeans"
sizes = [100, 200, 400]
budget_s = 1000
params = { n_components = 20 }

[[case]]
kind = "scale"
name = "tight"
method = "kmeans"
sizes = [100, 200, 400]
budget_s = 0.001  # the first size is over it: the others are not run
params = { n_components = 20 }
"""


@pytest.fixture
def in_this_process(monkeypatch):
    """Each size measured in the test's process: what a size's own process adds (a fresh
    interpreter, nothing inherited) is the first test's, which keeps it."""
    from clusterbench import progress

    monkeypatch.setattr(scale, "in_own_process", lambda c: scale.measure(c, progress.is_quiet()))


def run_suite_file(tmp_path, mnist_dir, text):
    path = tmp_path / "growth.toml"
    path.write_text(text)
    argv = ["bench", "--suite", str(path), "--backend", "cpu", "--data-dir", str(mnist_dir)]
    assert main([*argv, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (written,) = (tmp_path / "out").glob("*-cpu-growth.json")
    return load_record(written)


@pytest.mark.mnist
def test_a_scale_suite_measures_every_size_until_the_budget(tmp_path, mnist_dir, infimnist_cache):
    record = run_suite_file(tmp_path, mnist_dir, SUITE)
    assert isinstance(record, SuiteRecord) and record.repeat == 2
    growth, tight = record.case("kmeans"), record.case("tight")
    assert isinstance(growth, ScaleRecord) and growth.params["n_components"] == 20
    assert [p.status for p in growth.points] == ["measured"] * 3
    assert [p.n_train for p in growth.points] == [100, 200, 400]
    assert len({p.fingerprint for p in growth.points}) == 3  # three different training sets
    for point in growth.points:
        assert len(point.runs) == 2 and point.n_test == 10_000
        assert set(point.runs[0].stages) >= {"pca", "cluster", "knn"}
        assert point.memory["knn"]["peak_host_rss_bytes"] > 0
        assert 0 < point.metrics["test_accuracy"] <= 1
    assert [p.status for p in tight.points] == ["over budget", "skipped", "skipped"]
    assert "> budget 0 s" in tight.points[0].reason and tight.points[0].measured
    assert "over the 0 s budget" in tight.points[1].reason and not tight.points[1].runs
    assert "warm-up" in growth.basis


def _point(n, peak):
    return ScalePoint(
        n, "measured", runs=[StageTimes({"pca": 1.0}, 1.0)],
        memory={"pca": {"peak_host_rss_bytes": peak}},
    )  # fmt: skip


def test_memory_is_extrapolated_from_the_last_two_points():
    assert scale.predicted_peak([_point(100, 10)], 200) is None
    peak, slope = scale.predicted_peak([_point(100, 10), _point(200, 40)], 400)
    assert (peak, slope) == (160, pytest.approx(2.0))
    peak, slope = scale.predicted_peak([_point(100, 10), _point(200, 10)], 400)
    assert (peak, slope) == (20, 1.0)  # never less than linear


@pytest.mark.mnist
def test_a_size_that_would_not_fit_in_memory_is_skipped(
    tmp_path, mnist_dir, infimnist_cache, monkeypatch, in_this_process
):
    monkeypatch.setattr(scale, "MEMORY_FRACTION", 1e-6)  # ~25 kB: nothing after two points fits
    text = SUITE.split("[[case]]")[1]  # the kmeans case alone
    record = run_suite_file(tmp_path, mnist_dir, f"[[case]]{text}")
    points = record.case("kmeans").points
    assert [p.status for p in points] == ["measured", "measured", "skipped"]
    assert "predicted peak memory" in points[2].reason


def test_a_size_whose_process_dies_is_recorded_and_the_suite_goes_on(monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from clusterbench.data import DataOptions
    from clusterbench.suites.cases import ScaleCase

    def killed(config):
        raise BrokenProcessPool("A child process terminated abruptly")

    monkeypatch.setattr(scale, "in_own_process", killed)
    monkeypatch.setattr(scale, "prepare_digits", lambda data, n, log: None)
    case = ScaleCase("kmeans", "kmeans", (100, 200), 10.0)
    record = scale.run_scale(case, DataOptions(), "cpu", 1, lambda message: None)
    assert [p.status for p in record.points] == ["failed", "skipped"]
    assert "out of memory?" in record.points[0].reason


WORKERS_SUITE = """
repeat = 1
[[case]]
kind = "scale"
name = "kmeans-workers"
method = "kmeans"
sizes = [200]
budget_s = 1000
params = { n_components = 20, knn_space = "pca" }
strong_n = 4000
weak_n_per_worker = 2000
worker_counts = [1, 2]
"""


@pytest.mark.mnist
def test_with_a_local_scheduler_a_scale_case_adds_its_worker_points(
    tmp_path, mnist_dir, infimnist_cache, in_this_process
):
    path = tmp_path / "growth.toml"
    path.write_text(WORKERS_SUITE)
    argv = ["bench", "--suite", str(path), "--backend", "cpu", "--data-dir", str(mnist_dir)]
    assert main([*argv, "--scheduler", "local", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (written,) = (tmp_path / "out").glob("*-cpu-growth.json")
    record = load_record(written).case("kmeans-workers")
    assert [p.n_train for p in record.points] == [200]  # the one-process growth, as before
    points = [(p.workers, p.n_train, p.scalings, p.status) for p in record.worker_points]
    assert points == [
        (1, 2000, ["weak"], "measured"),
        (1, 4000, ["strong"], "measured"),
        (2, 4000, ["strong", "weak"], "measured"),
    ]
    for p in record.worker_points:
        assert set(p.runs[0].stages) == {"pca", "cluster", "label", "knn"}
        assert len(p.worker_peak_bytes["cluster"]) == p.workers  # each worker's own peak
        assert p.metrics["test_accuracy"] > 0.3
    assert "worker processes" in record.worker_basis
