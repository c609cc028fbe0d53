"""Report tables from fixture results, and the compare parity gate."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from clusterbench.cli import main


def _case(name: str, seconds: float, accuracy: float, ari: float) -> dict:
    stages = {
        "load_s": 0.5,
        "transfer_s": 0.1,
        "pca_s": 1.0,
        "cluster_s": seconds,
        "label_s": 0.01,
        "knn_s": 2.0,
    }
    stages["total_s"] = sum(stages.values())
    return {
        "name": name,
        "kind": "pipeline",
        "dataset": "mnist",
        "dataset_fingerprint": "f" * 64,
        "protocol": "canonical",
        "subsample": 10000,
        "n_train": 10000,
        "n_test": 1667,
        "method": name,
        "params": {"n_components": 100, "knn": 50, "seed": 137},
        "metrics": {"test_accuracy": accuracy, "ari": ari},
        "cold": stages,
        "warm": {"runs": 2, "median": stages, "min": stages, "max": stages},
    }


def bench_record(backend: str, factor: float, accuracy: float = 0.74) -> dict:
    return {
        "schema_version": 1,
        "kind": "bench",
        "suite": "quick",
        "backend": backend,
        "repeat": 3,
        "created": "2026-11-29T12:00:00+00:00",
        "cases": [
            _case("kmeans", 10.0 / factor, 0.62, 0.36),
            _case("spectral", 40.0 / factor, accuracy, 0.64),
        ],
        "environment": {
            "hostname": "box",
            "cpu_model": "Some CPU",
            "cpu_count": 2,
            "git_commit": "0123456789abcdef",
            "git_dirty": False,
            **({"gpu_name": "NVIDIA H200"} if backend == "gpu" else {}),
        },
    }


def write(path: Path, record: dict) -> Path:
    path.write_text(json.dumps(record))
    return path


@pytest.fixture
def results(tmp_path):
    return (
        write(tmp_path / "cpu.json", bench_record("cpu", 1.0)),
        write(tmp_path / "gpu.json", bench_record("gpu", 10.0, accuracy=0.73)),
    )


def test_report_tables_from_fixture_files(tmp_path, results, capsys):
    out = tmp_path / "report"
    assert main(["report", *map(str, results), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    # Time per stage: cluster 40 s on the CPU; total 0.5+0.1+1+40+0.01+2 = 43.61.
    # Stage columns: load, transfer, pca, embed (none here), cluster, label, knn, total.
    assert (
        "| quick | spectral | cpu | 10000 | 0.50 | 0.10 | 1.00 |  | 40.00 | 0.01 | 2.00 | 43.61 "
        "| warm median of 2 |" in readme
    )
    assert (
        "| quick | spectral | gpu | 10000 | 0.50 | 0.10 | 1.00 |  | 4.00 | 0.01 | 2.00 | 7.61 "
        in readme
    )
    # Accuracy side by side, and the speedup per stage (cluster 40 / 4 = 10.0).
    assert "| quick | spectral | gpu | 0.7300 | 0.6400 |" in readme
    assert (
        "| quick | spectral | 1.0 | 1.0 | 1.0 |  | 10.0 | 1.0 | 1.0 | 5.7 | 0.7400 / 0.7300 |"
        in readme
    )
    assert "NVIDIA H200" in readme and "0123456789" in readme
    csv = (out / "results.csv").read_text().splitlines()
    assert len(csv) == 5 and csv[0].startswith("suite,case,backend")
    assert (out / "timings.png").stat().st_size > 5000 and (out / "speedup.png").exists()


def test_report_without_gpu_results_says_so(tmp_path, results):
    out = tmp_path / "report"
    assert main(["report", str(results[0]), "--out", str(out)]) == 0
    assert "No suite has been run on both backends yet." in (out / "README.md").read_text()


def test_compare_passes_equal_runs(results, capsys, tmp_path):
    twin = write(tmp_path / "twin.json", bench_record("cpu", 1.0))
    assert main(["compare", str(results[0]), str(twin)]) == 0
    assert "agree within tolerance" in capsys.readouterr().out


def test_compare_within_tolerance_across_backends(results, capsys):
    assert main(["compare", *map(str, results)]) == 0  # 0.74 vs 0.73: one point
    assert "x10.00" not in capsys.readouterr().out  # total 43.61 / 7.61, not the cluster ratio


def test_compare_fails_on_a_five_point_accuracy_gap(tmp_path, results, capsys):
    worse = write(tmp_path / "worse.json", bench_record("gpu", 10.0, accuracy=0.69))
    assert main(["compare", str(results[0]), str(worse)]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH spectral: test_accuracy differs by 0.0500 (tolerance 0.02)" in out


def test_compare_fails_on_a_data_or_parameter_mismatch(tmp_path, results, capsys):
    other = bench_record("gpu", 10.0)
    other["cases"][0]["dataset_fingerprint"] = "0" * 64
    other["cases"][1]["params"] = {**other["cases"][1]["params"], "n_components": 50}
    assert main(["compare", str(results[0]), str(write(tmp_path / "o.json", other))]) == 1
    out = capsys.readouterr().out
    assert "kmeans: dataset_fingerprint differs" in out and "spectral: params differs" in out


def test_compare_fails_on_a_missing_case(tmp_path, results, capsys):
    fewer = copy.deepcopy(bench_record("gpu", 10.0))
    fewer["cases"].pop()
    assert main(["compare", str(results[0]), str(write(tmp_path / "f.json", fewer))]) == 1
    assert "cases in one file only: spectral" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"kind": "other"}', "not a clusterbench result"),
        ('{"kind": "bench", "schema_version": 99}', "schema version 99"),
    ],
)
def test_compare_malformed_file_is_a_one_line_error(tmp_path, results, capsys, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["compare", str(results[0]), str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("clusterbench: error:") and message in err and "\n" not in err


def test_a_run_record_compares_with_a_run_record(tmp_path, capsys):
    for name in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    "--dataset",
                    "digits",
                    "--pca",
                    "20",
                    "--method",
                    "kmeans",
                    "--json",
                    str(tmp_path / f"{name}.json"),
                ]
            )
            == 0
        )
    assert main(["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 0
    assert (
        main(
            [
                "run",
                "--dataset",
                "digits",
                "--pca",
                "20",
                "--method",
                "kmeans",
                "--seed",
                "1",
                "--json",
                str(tmp_path / "c.json"),
            ]
        )
        == 0
    )
    assert main(["compare", str(tmp_path / "a.json"), str(tmp_path / "c.json")]) == 1


@pytest.mark.mnist
def test_bench_then_report_from_real_runs(tmp_path, mnist_dir, monkeypatch, capsys):
    """`clusterbench bench` writes a versioned file that `clusterbench report` turns into tables
    (a small stand-in for the quick suite, so that the test stays quick)."""
    from clusterbench import suite
    from clusterbench.registry import Params

    small = (
        suite.PipelineCase("kmeans", "kmeans", subsample=1000),
        suite.PipelineCase("capped", "kmeans", subsample=1000, max_repeat=1),
        suite.GridCase("grid-sweep", "2.0:5.0:4", "2:42:20", subsample=1000),
        suite.BudgetCase("budget", "umap-kmeans", (10, 20), Params(n_components=30), 1000),
    )
    monkeypatch.setitem(suite.SUITES, "quick", small)
    argv = [
        "bench",
        "--suite",
        "quick",
        "--backend",
        "cpu",
        "--repeat",
        "2",
        "--data-dir",
        str(mnist_dir),
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 0
    (result,) = tmp_path.glob("*-cpu-quick.json")
    record = json.loads(result.read_text())
    assert record["kind"] == "bench" and record["environment"]["git_commit"] is not None
    kmeans = record["cases"][0]
    assert kmeans["warm"]["runs"] == 1 and kmeans["cold"]["cluster_s"] > 0
    assert record["cases"][1]["warm"]["runs"] == 0  # max_repeat=1: the cold run only
    assert kmeans["dataset_fingerprint"] == record["cases"][2]["dataset_fingerprint"]
    assert main(["report", str(result), "--out", str(tmp_path / "report")]) == 0
    readme = (tmp_path / "report" / "README.md").read_text()
    for heading in (
        "## Time per stage",
        "## Accuracy",
        "## GPU / CPU speedup",
        "## Labelling budget",
        "## Plots",
        "## Machines",
    ):
        assert heading in readme
    assert f"| quick | kmeans | cpu | 1000 | {kmeans['cold']['load_s']:.2f} |" not in readme  # warm
    assert (tmp_path / "report" / "grid-quick-cpu.png").exists()
    assert (tmp_path / "report" / "budget-quick-cpu.png").exists()
