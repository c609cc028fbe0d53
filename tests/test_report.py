"""The report, from typed fixture records: grouped by machine, bases apart, same-host speedups."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest

from clusterbench.cli import main
from clusterbench.records import SuiteRecord, write_record
from tests.records import environment, run_case, suite


def write(path: Path, record: SuiteRecord) -> Path:
    write_record(record, path)
    return path


@pytest.fixture
def results(tmp_path):
    return (
        write(tmp_path / "cpu.json", suite("cpu", 1.0)),
        write(tmp_path / "gpu.json", suite("gpu", 10.0, accuracy=0.73)),
    )


def section(readme: str, heading: str) -> str:
    """The text from `heading` to the next heading."""
    start = readme.index(heading)
    end = readme.find("\n#", start + len(heading))
    return readme[start : end if end > 0 else None]


def test_cold_and_warm_never_share_a_column(tmp_path, results):
    out = tmp_path / "report"
    assert main(["report", *map(str, results), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    cold, warm = section(readme, "### Cold run"), section(readme, "### Warm runs")
    # Spectral on the CPU: cold cluster stage 60 s (total 63.11), warm runs 36 and 44 s
    # (median 40, totals 39.11 and 47.11); load 0.5 s stands apart and in no total.
    assert (
        "| quick | spectral | cpu | 10000 | 0.50 | 0.10 | 1.00 |  | 60.00 | 0.01 | 2.00 | 63.11 "
        "| 512 |" in cold
    )
    assert (
        "| quick | spectral | cpu | 2 | 0.10 | 1.00 |  | 40.00 | 0.01 | 2.00 "
        "| 43.11 (39.11-47.11) |" in warm
    )
    assert "40.00" not in cold and "60.00" not in warm and "63.11" not in warm
    rows = list(csv.DictReader(io.StringIO((out / "results.csv").read_text())))
    spectral = {r["basis"]: r for r in rows if r["case"] == "spectral" and r["backend"] == "cpu"}
    assert set(spectral) == {"load", "cold", "warm median"}
    assert (spectral["cold"]["cluster_s"], spectral["warm median"]["cluster_s"]) == ("60.0", "40.0")
    assert spectral["load"]["cluster_s"] == ""  # the load row holds the load time alone


def test_same_host_speedup_from_warm_medians_with_the_cold_ratio(tmp_path, results):
    out = tmp_path / "report"
    assert main(["report", *map(str, results), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    speedup = section(readme, "### Speedup of `gpu` over `cpu`, quick suite, same machine")
    # cluster 40 / 4 = 10.0; total warm medians 43.11 / 7.11 = 6.1; cold 63.11 / 9.11 = 6.9.
    assert (
        "| quick | spectral | 1.0 | 1.0 |  | 10.0 | 1.0 | 1.0 | 6.1 | 6.9 | 0.7400 / 0.7300 |"
        in speedup
    )
    assert "## Machine `box`" in readme and "NVIDIA H200" in readme and "0123456789" in readme
    assert (out / "timings-box.png").stat().st_size > 5000
    assert (out / "speedup-quick-box-cpu-box-gpu.png").exists()
    assert (out / "budget-box-quick-budget-cpu.png").exists()


def test_no_speedup_is_paired_across_machines_unless_asked(tmp_path):
    cpu = write(tmp_path / "cpu.json", suite("cpu", 1.0, host="laptop"))
    gpu = write(tmp_path / "gpu.json", suite("gpu", 10.0, host="gpu-server"))
    out = tmp_path / "report"
    assert main(["report", str(cpu), str(gpu), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    assert "## Machine `laptop`" in readme and "## Machine `gpu-server`" in readme
    assert "### Speedup of" not in readme and not list(out.glob("speedup-*.png"))
    assert (
        main(["report", str(cpu), str(gpu), "--out", str(out), "--pair", "laptop:gpu-server"]) == 0
    )
    readme = (out / "README.md").read_text()
    cross = section(readme, "### Cross-machine speedup of `gpu` over `cpu`, quick suite")
    assert "CPU of `laptop`, GPU of `gpu-server`" in cross and "| quick | spectral |" in cross
    assert "quick suite, same machine" not in readme


def test_newest_suite_wins_within_a_machine_only(tmp_path):
    old = write(tmp_path / "old.json", suite("cpu", 1.0, accuracy=0.70, host="a"))
    later = replace(suite("cpu", 1.0, accuracy=0.75, host="a"), created="2026-11-30T00:00:00+00:00")
    new = write(tmp_path / "new.json", later)
    other = write(tmp_path / "other.json", suite("cpu", 1.0, accuracy=0.71, host="b"))
    out = tmp_path / "report"
    assert main(["report", str(old), str(new), str(other), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    assert "0.7500" in readme and "0.7100" in readme and "0.7000" not in readme


def test_report_rejects_a_bad_pair_option(tmp_path, results, capsys):
    with pytest.raises(SystemExit) as info:
        main(["report", str(results[0]), "--pair", "nocolon"])
    assert info.value.code == 2 and "expected CPU_HOST:GPU_HOST" in capsys.readouterr().err


SMALL_SUITE = """
description = "a stand-in for the quick suite"
repeat = 3
[[case]]
kind = "pipeline"
name = "kmeans"
method = "kmeans"
subsample = 1000
[[case]]
kind = "pipeline"
name = "capped"
method = "kmeans"
subsample = 1000
max_repeat = 1
[[case]]
kind = "grid"
name = "grid-sweep"
eps_range = "2.0:5.0:4"
min_samples_range = "2:42:20"
subsample = 1000
[[case]]
kind = "budget"
name = "budget"
method = "umap-kmeans"
cluster_counts = [10, 20]
params = { n_components = 30 }
subsample = 1000
"""


@pytest.mark.mnist
def test_bench_then_report_from_real_runs(tmp_path, mnist_dir):
    """`clusterbench bench` runs a suite file of the user's and writes a versioned record that
    `clusterbench report` turns into tables (a small stand-in for the quick suite)."""
    from clusterbench.records import GridRecord, RunRecord, load_record

    suite_file = tmp_path / "small.toml"
    suite_file.write_text(SMALL_SUITE)
    argv = ["bench", "--suite", str(suite_file), "--backend", "cpu", "--repeat", "2"]
    assert main([*argv, "--data-dir", str(mnist_dir), "--out", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("*-cpu-small.json")
    record = load_record(path)
    assert isinstance(record, SuiteRecord) and record.environment.code["commit"] is not None
    kmeans, capped, grid = (record.case(n) for n in ("kmeans", "capped", "grid-sweep"))
    assert isinstance(kmeans, RunRecord) and isinstance(grid, GridRecord)
    assert len(kmeans.timing.warm) == 1 and kmeans.timing.cold.stages["cluster"] > 0
    assert capped.timing.warm == []  # max_repeat=1: the cold run only
    assert kmeans.memory["knn"]["peak_host_rss_bytes"] > 50 * 2**20
    assert grid.timing.compute_s > 0 and grid.timing.data_pca_s > 0
    assert kmeans.data.fingerprint == grid.header["dataset_fingerprint"]
    assert main(["report", str(path), "--out", str(tmp_path / "report")]) == 0
    readme = (tmp_path / "report" / "README.md").read_text()
    for heading in (
        "### Cold run",
        "### Warm runs",
        "### DBSCAN grids",
        "### Accuracy",
        "### Labelling budget",
    ):
        assert heading in readme
    host = record.environment.host
    assert (tmp_path / "report" / f"grid-{host}-small-grid-sweep-cpu.png").exists()
    assert (tmp_path / "report" / f"budget-{host}-small-budget-cpu.png").exists()
    assert record.definition["case"][0] == {"kind": "pipeline", "name": "kmeans",
                                            "method": "kmeans", "subsample": 1000}  # fmt: skip


def test_every_backend_against_stock_and_accelerated_cpu(tmp_path):
    """cpu, cpu-intelex and gpu suites of one machine: gpu over both CPUs, cpu-intelex over
    stock; never cpu over cpu-intelex."""
    paths = [write(tmp_path / f"{b}.json", suite(b, t)) for b, t in
             (("cpu", 1.0), ("cpu-intelex", 2.0), ("gpu", 10.0))]  # fmt: skip
    out = tmp_path / "report"
    assert main(["report", *map(str, paths), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    titles = [line for line in readme.splitlines() if line.startswith("### Speedup of")]
    assert titles == [
        "### Speedup of `cpu-intelex` over `cpu`, quick suite, same machine",
        "### Speedup of `gpu` over `cpu`, quick suite, same machine",
        "### Speedup of `gpu` over `cpu-intelex`, quick suite, same machine",
    ]
    assert "accuracy cpu-intelex / gpu" in readme


def test_parity_verdicts_follow_the_tolerance_policy(tmp_path):
    """gpu's spectral misses the CPU's accuracy by 0.04 (> 0.02): it differs; kmeans agrees."""
    paths = [
        write(tmp_path / "cpu.json", suite("cpu", 1.0, accuracy=0.74)),
        write(tmp_path / "gpu.json", suite("gpu", 10.0, accuracy=0.70)),
    ]
    out = tmp_path / "report"
    assert main(["report", *map(str, paths), "--out", str(out)]) == 0
    parity = section((out / "README.md").read_text(), "### Parity between backends")
    assert "| quick | kmeans | kmeans | cpu / gpu | 0.6200 / 0.6200 |" in parity
    assert parity.count("| agrees |") == 1
    assert "| differs: test_accuracy differs by 0.0400 (tolerance 0.02) |" in parity
    assert (out / "stages-box-quick.png").read_bytes()[:4] == b"\x89PNG"


def test_the_html_page_holds_the_same_tables_and_inlines_every_image(tmp_path, results):
    out = tmp_path / "report"
    page = tmp_path / "page" / "report.html"
    assert main(["report", *map(str, results), "--out", str(out), "--html", str(page)]) == 0
    text, readme = page.read_text(), (out / "README.md").read_text()
    assert "[report.html](../page/report.html)" in readme  # the Markdown links the page
    sources = re.findall(r'<img [^>]*src="([^"]*)"', text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<script" not in text and "http://" not in text and "https://" not in text
    # a table of the Markdown report, cell for cell, in the page
    row = "| quick | spectral | cpu | 2 | 0.10 | 1.00 |  | 40.00 | 0.01 | 2.00 "
    row += "| 43.11 (39.11-47.11) |"
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert row in readme
    assert "".join(f"<td>{c}</td>" for c in cells) in re.sub(r"\s*\n\s*", "", text)
    for heading in ("cold-run-seconds-per-stage", "parity-between-backends", "clusters"):
        assert f'id="{heading}' in text
    assert 'alt="stages-box-quick"' in text  # the stage plot, inlined


def test_the_html_page_needs_a_writable_place_before_any_work(tmp_path, results, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = tmp_path / "report"
    args = ["report", *map(str, results), "--out", str(out), "--html", str(blocker / "r.html")]
    assert main(args) == 1
    assert "--html" in capsys.readouterr().err and not out.exists()


def test_single_runs_say_their_cold_clustering_time_and_commit(tmp_path):
    """Two runs of one method at two commits (a before and after): told apart in the table."""
    before = replace(run_case("kmeans", 80.0, 0.62, 0.36), environment=environment("box"))
    code = {"commit": "fedcba9876543210", "dirty": True, "source": "checkout"}
    after = replace(before, environment=replace(before.environment, code=code))
    paths = [write_record(r, tmp_path / f"{n}.json") or tmp_path / f"{n}.json"
             for n, r in (("before", before), ("after", after))]  # fmt: skip
    out = tmp_path / "report"
    assert main(["report", *map(str, paths), "--out", str(out)]) == 0
    runs = section((out / "README.md").read_text(), "### Single runs")
    assert "| 120.00 | 123.11 | 83.11 (75.11-91.11, 2) | 0123456 |" in runs  # cold cluster 1.5x
    assert "| 120.00 | 123.11 | 83.11 (75.11-91.11, 2) | fedcba9 (dirty) |" in runs
