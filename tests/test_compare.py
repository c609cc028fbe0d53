"""The compare gate: every record kind the project writes, never a vacuous pass."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from clusterbench.cli import main
from clusterbench.records import Record, StageTimes, StudyRecord, Timing, write_record
from tests.records import budget_case, environment, run_case, suite


def write(path: Path, record: Record) -> str:
    write_record(record, path)
    return str(path)


def test_equal_suites_agree(tmp_path, capsys):
    a, b = (
        write(tmp_path / "a.json", suite("cpu", 1.0)),
        write(tmp_path / "b.json", suite("cpu", 1.0)),
    )
    assert main(["compare", a, b]) == 0
    out = capsys.readouterr().out
    assert "agree within tolerance" in out and "budget         K=20 test_accuracy" in out


def test_one_point_across_backends_agrees(tmp_path):
    a = write(tmp_path / "a.json", suite("cpu", 1.0))
    b = write(tmp_path / "b.json", suite("gpu", 10.0, accuracy=0.73))
    assert main(["compare", a, b]) == 0


def test_a_five_point_accuracy_gap_fails(tmp_path, capsys):
    a = write(tmp_path / "a.json", suite("cpu", 1.0))
    b = write(tmp_path / "b.json", suite("gpu", 10.0, accuracy=0.69))
    assert main(["compare", a, b]) == 1
    assert (
        "MISMATCH spectral: test_accuracy differs by 0.0500 (tolerance 0.02)"
        in capsys.readouterr().out
    )


def test_a_budget_curve_five_points_off_at_one_k_fails(tmp_path, capsys):
    a = write(tmp_path / "a.json", budget_case({10: 0.86, 20: 0.96, 50: 0.97}))
    b = write(tmp_path / "b.json", budget_case({10: 0.86, 20: 0.91, 50: 0.97}))
    assert main(["compare", a, b]) == 1
    out = capsys.readouterr().out
    assert "K=20 test_accuracy differs by 0.0500 (tolerance 0.02)" in out
    assert "K=10" in out and "K=50" in out and "K=10 test_accuracy differs" not in out


def test_a_data_or_parameter_mismatch_fails(tmp_path, capsys):
    other = suite("gpu", 10.0)
    kmeans = other.cases[0].record
    other.cases[0] = replace(
        other.cases[0], record=replace(kmeans, data=replace(kmeans.data, fingerprint="0" * 64))
    )
    spectral = other.cases[1].record
    other.cases[1] = replace(
        other.cases[1], record=replace(spectral, params={**spectral.params, "n_components": 50})
    )
    a, b = write(tmp_path / "a.json", suite("cpu", 1.0)), write(tmp_path / "b.json", other)
    assert main(["compare", a, b]) == 1
    out = capsys.readouterr().out
    assert "kmeans: fingerprint differs" in out and "spectral: params differs" in out


def test_a_missing_case_fails(tmp_path, capsys):
    fewer = suite("gpu", 10.0)
    fewer.cases.pop(1)
    a, b = write(tmp_path / "a.json", suite("cpu", 1.0)), write(tmp_path / "b.json", fewer)
    assert main(["compare", a, b]) == 1
    assert "cases in one file only: spectral" in capsys.readouterr().out


def _slower(factor: float, spread: float) -> Timing:
    """Warm runs around `factor` seconds, `spread` apart."""
    runs = [StageTimes({"cluster": factor + d}, factor + d) for d in (-spread, 0.0, spread)]
    return Timing(0.1, runs[1], runs)


@pytest.mark.parametrize(
    ("b_seconds", "spread", "code"),
    [(1.0, 0.1, 0), (1.6, 0.1, 1), (1.6, 0.5, 0), (1.2, 0.05, 0)],
    ids=["same", "slower-apart", "slower-overlapping", "within-ratio"],
)
def test_the_time_gate_needs_a_slowdown_beyond_the_ratio_and_apart_ranges(
    tmp_path, capsys, b_seconds, spread, code
):
    a = write(
        tmp_path / "a.json", replace(run_case("kmeans", 1, 0.8, 0.6), timing=_slower(1.0, spread))
    )
    b = write(
        tmp_path / "b.json",
        replace(run_case("kmeans", 1, 0.8, 0.6), timing=_slower(b_seconds, spread)),
    )
    assert main(["compare", a, b, "--time-tol", "1.25"]) == code
    assert main(["compare", a, b]) == 0  # without --time-tol only the scores are gated


def _grid_file(path: Path, ari_at_2: float, engine: str = "sweep") -> str:
    header = {
        "kind": "grid",
        "schema_version": 2,
        "created": "2026-11-29T12:00:00+00:00",
        "dataset": "digits",
        "dataset_fingerprint": "f" * 64,
        "dataset_source": "sklearn",
        "protocol": "seed",
        "subsample": None,
        "n_train": 1617,
        "n_components": 20,
        "seed": 137,
        "score": "ari",
        "backend": "cpu",
        "engine": engine,
        "eps": [1.0, 2.0],
        "min_samples": [5],
    }
    rows = [
        {
            "eps": 1.0,
            "min_samples": 5,
            "status": "ok",
            "ari": 0.30,
            "n_clusters": 8,
            "noise_fraction": 0.2,
        },
        {
            "eps": 2.0,
            "min_samples": 5,
            "status": "ok",
            "ari": ari_at_2,
            "n_clusters": 9,
            "noise_fraction": 0.1,
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in [header, *rows]) + "\n")
    return str(path)


def test_grid_files_compare_per_configuration(tmp_path, capsys):
    a = _grid_file(tmp_path / "a.jsonl", 0.50)
    assert main(["compare", a, _grid_file(tmp_path / "b.jsonl", 0.51, engine="loop")]) == 0
    assert main(["compare", a, _grid_file(tmp_path / "c.jsonl", 0.45)]) == 1
    assert "eps 2.0, min_samples 5: ari differs by 0.0500" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"kind": "other"}', "not a clusterbench result"),
        ('{"kind": "bench", "schema_version": 99}', "schema version 99"),
        ('{"kind": "bench", "schema_version": 1}', "schema version 1, this clusterbench reads 2"),
        ('{"kind": "run", "schema_version": 2}', "malformed run record"),
    ],
)
def test_a_malformed_or_old_file_is_a_one_line_error(tmp_path, capsys, content, message):
    good = write(tmp_path / "good.json", suite("cpu", 1.0))
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["compare", good, str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("clusterbench: error:") and message in err and "\n" not in err


def test_a_kind_it_cannot_compare_is_an_error_not_a_pass(tmp_path, capsys):
    study = StudyRecord("umap-defaults", {"rows": []}, environment("box"))
    a, b = write(tmp_path / "a.json", study), write(tmp_path / "b.json", study)
    assert main(["compare", a, b]) == 1
    err = capsys.readouterr().err
    assert "umap-defaults records cannot be compared" in err and "agree" not in err


def test_different_kinds_and_nothing_in_common_are_errors(tmp_path, capsys):
    run = write(tmp_path / "run.json", run_case("kmeans", 1, 0.8, 0.6))
    budget = write(tmp_path / "budget.json", budget_case({10: 0.9}))
    assert main(["compare", run, budget]) == 1
    assert "cannot compare a run record" in capsys.readouterr().err
    other = write(tmp_path / "other.json", budget_case({20: 0.9}))
    assert main(["compare", budget, other]) == 1
    assert "no score in common" in capsys.readouterr().err


def test_real_run_records_compare(tmp_path):
    argv = ["run", "--dataset", "digits", "--pca", "20", "--method", "kmeans"]
    for name, extra in (("a", []), ("b", []), ("c", ["--seed", "1"])):
        assert main([*argv, *extra, "--json", str(tmp_path / f"{name}.json")]) == 0
    assert main(["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 0
    assert main(["compare", str(tmp_path / "a.json"), str(tmp_path / "c.json")]) == 1  # seed


@pytest.mark.parametrize(
    ("method", "gap", "status"),
    [("kmeans", 0.025, 1), ("umap-hdbscan", 0.025, 0), ("umap-hdbscan", 0.035, 1)],
)
def test_each_method_gets_its_tolerance(tmp_path, capsys, method, gap, status):
    """The policy of clusterbench/parity/tolerances.py: 2 points for kmeans, 3 for umap-hdbscan."""
    a = write(tmp_path / "a.json", run_case(method, 1.0, 0.90, 0.80))
    b = write(tmp_path / "b.json", run_case(method, 1.0, 0.90 - gap, 0.80))
    assert main(["compare", a, b]) == status
    assert main(["compare", a, b, "--accuracy-tol", "0.05"]) == 0  # the user's, for all methods
