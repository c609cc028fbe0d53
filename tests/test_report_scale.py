"""The report's scale section: growth exponents that recover a known law, the measured sizes
they were fitted on, statuses and reasons, plots and CSV rows."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest

from clusterbench.cli import main
from clusterbench.records import (
    ScalePoint,
    ScaleRecord,
    StageTimes,
    SuiteCase,
    SuiteRecord,
    write_record,
)
from clusterbench.report.scale import exponent
from tests.records import environment

SIZES = (15_000, 30_000, 60_000, 120_000)


def point(n: int, status: str = "measured", reason: str | None = None) -> ScalePoint:
    """cluster grows like N^2, knn like N, label stays at 1 ms; host memory like N, the
    device's like N^1.5."""
    k = n / 15_000
    stages = {"pca": 0.5 * k, "cluster": 2.0 * k**2, "label": 0.001, "knn": 3.0 * k}
    runs = [StageTimes(stages, sum(stages.values())) for _ in range(2)]
    peaks = {"peak_host_rss_bytes": int(2**28 * k), "peak_device_used_bytes": int(2**30 * k**1.5)}
    memory = {s: peaks for s in stages}
    return ScalePoint(n, status, reason, "fp", 10_000, 0.3, runs, memory, {"test_accuracy": 0.5})


def scale_suite(host: str = "box") -> SuiteRecord:
    points = [point(n) for n in SIZES[:-1]]
    points += [point(SIZES[-1], "over budget", "99 s > budget 60 s")]
    points += [ScalePoint(250_000, "skipped", "120,000 digits took 99 s, over the 60 s budget")]
    record = ScaleRecord("kmeans", "cpu", {"n_components": 100}, 60.0, "warm-up basis", points)
    return SuiteRecord("scale", "cpu", 1, [SuiteCase("kmeans", record)], environment(host))


def test_the_exponent_recovers_a_power_law():
    assert exponent([10, 100, 1000], [3.0, 300.0, 30_000.0]) == pytest.approx(2.0)
    assert exponent([10, 20], [5.0, 5.0]) == pytest.approx(0.0)


def test_the_report_prints_each_stage_exponent_with_its_sizes(tmp_path):
    path = write_record(scale_suite(), tmp_path / "scale.json")
    out = tmp_path / "report"
    assert main(["report", str(path), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    assert "### How cost grows" in readme and "### Cold run" not in readme  # no pipeline cases
    rows = {line.split(" | ")[0].strip("| "): line for line in readme.splitlines()}
    span = "15,000–120,000 (4 sizes)"
    assert rows["time: cluster"].split(" | ")[1:3] == ["2.00", span]
    assert rows["time: knn"].split(" | ")[1] == "1.00"
    assert rows["time: label"].split(" | ")[1] == "0.00" and "overhead" in rows["time: label"]
    assert rows["peak memory"].split(" | ")[1] == "1.00"
    assert rows["peak device memory"].split(" | ")[1] == "1.50"
    assert "| 120,000 | over budget |" in readme and "99 s > budget 60 s" in readme
    assert "| 250,000 | skipped |" in readme
    png = out / "scale-box-scale-kmeans-cpu.png"
    assert png.stat().st_size > 10_000 and f"]({png.name})" in readme
    with (out / "results.csv").open() as f:
        table = [r for r in csv.DictReader(f) if r["basis"] == "scale"]
    assert [r["status"] for r in table] == ["measured"] * 3 + ["over budget", "skipped"]
    assert float(table[1]["cluster_s"]) == pytest.approx(8.0) and table[4]["cluster_s"] == ""


def test_compare_scale_cases_size_by_size(tmp_path, capsys):
    from dataclasses import replace

    a = scale_suite()
    record = a.cases[0].record
    shifted = list(record.points)
    shifted[1] = replace(shifted[1], metrics={"test_accuracy": 0.4})  # beyond 0.02
    shifted[3] = replace(shifted[3], runs=[], status="skipped")  # B stopped earlier
    b = replace(a, cases=[SuiteCase("kmeans", replace(record, points=shifted))])
    pa, pb = write_record(a, tmp_path / "a.json"), write_record(b, tmp_path / "b.json")
    assert main(["compare", str(pa), str(pa)]) == 0
    capsys.readouterr()
    assert main(["compare", str(pa), str(pb)]) == 1
    out = capsys.readouterr().out
    assert "N=30,000 test_accuracy" in out and "N=120,000 measured in A only" in out
    none = replace(record, points=[p for p in record.points if not p.measured])
    c = replace(a, cases=[SuiteCase("kmeans", none)])
    pc = write_record(c, tmp_path / "c.json")
    assert main(["compare", str(pa), str(pc)]) == 1
    assert "no score in common" in capsys.readouterr().err  # never a vacuous pass


def worker_point(n: int, workers: int, scalings: list[str], seconds: float) -> ScalePoint:
    stages = {"pca": seconds / 2, "cluster": seconds / 4, "label": 0.01, "knn": seconds / 4 - 0.01}
    runs = [StageTimes(stages, seconds)]
    peaks = {s: {f"tcp://w{i}": (i + 1) * 2**30 for i in range(workers)} for s in stages}
    return ScalePoint(n, "measured", None, "fp", 10_000, 1.0, runs, {}, {"test_accuracy": 0.6},
                      workers, scalings, peaks)  # fmt: skip


def test_the_report_shows_strong_and_weak_scaling_against_the_first_worker_count(tmp_path):
    suite = scale_suite()
    record = suite.cases[0].record
    workers = [
        worker_point(60_000, 1, ["strong", "weak"], 100.0),
        worker_point(120_000, 2, ["weak"], 125.0),  # efficiency 0.80
        worker_point(60_000, 2, ["strong"], 62.5),  # speedup 1.60, efficiency 0.80
    ]
    with_workers = replace(record, worker_points=workers, worker_basis="fresh workers")
    suite.cases[0] = SuiteCase("kmeans", with_workers)
    path = write_record(suite, tmp_path / "scale.json")
    out = tmp_path / "report"
    assert main(["report", str(path), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    assert "On Dask workers; basis: fresh workers." in readme
    rows = [line for line in readme.splitlines() if line.startswith(("| strong", "| weak"))]
    assert len(rows) == 4  # the 1-worker point of 60,000 is in both series
    strong2 = next(r for r in rows if r.startswith("| strong | 60,000 | 2 "))
    assert "1.60x (efficiency 0.80)" in strong2 and "| 2.00 |" in strong2  # worker w1: 2 GiB
    weak2 = next(r for r in rows if r.startswith("| weak | 120,000 | 2 "))
    assert "| 0.80 |" in weak2
    strong1 = next(r for r in rows if r.startswith("| strong | 60,000 | 1 "))
    assert strong1.split(" | ")[-2] != ""  # the one-process point at 60,000 beside it
    assert (out / "scale-workers-box-scale-kmeans-cpu.png").stat().st_size > 5_000
    with (out / "results.csv").open() as f:
        worker_rows = [r for r in csv.DictReader(f) if r.get("workers")]
    assert sorted(r["workers"] for r in worker_rows) == ["1", "2", "2"]
