"""Every user mistake ends in one line: `clusterbench: error: ...` with exit 1, or a usage error
with exit 2; never a traceback or an internal error, and no output file is left behind."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from clusterbench.cli import main
from clusterbench.data import LOADERS
from clusterbench.grid.runner import GridConfig, run_grid
from clusterbench.grid.spec import GridSpec
from tests.conftest import idx_bytes, kaggle_csv, write_idx_dir

DIGITS = ["run", "--dataset", "digits", "--pca", "10", "--backend", "cpu"]
GRID = [
    "grid",
    "--dataset",
    "digits",
    "--pca",
    "10",
    "--eps-range",
    "1:2:2",
    "--min-samples-range",
    "2:12:5",
    "--backend",
    "cpu",
]
DBSCAN = [*DIGITS, "--method", "dbscan", "--eps", "0.8", "--min-samples", "10"]  # 30 % noise

# id: (argv, exit status, what the one line says); {tmp} is the test's directory, {grid} a
# digits grid file, {record} a JSON file that is not a grid, {file} a plain file.
MISTAKES = {
    "knn-beyond-the-clustered-digits": (
        [*DBSCAN, "--knn", "1200", "--json", "{tmp}/r.json"],
        1,
        "training digits dbscan clustered (the others are noise)",
    ),
    "min-cluster-size-1": ([*DIGITS, "--min-cluster-size", "1"], 2, "expected a number >= 2"),
    "min-cluster-size-beyond-the-data": (
        [*DIGITS, "--method", "umap-hdbscan", "--min-cluster-size", "2000"],
        1,
        "--min-cluster-size 2000 exceeds the 1617 training digits",
    ),
    "subsample-below-20": (
        [*DIGITS, "--subsample", "19"],
        2,
        "--subsample: expected a number >= 20",
    ),
    "idx-without-a-directory": (["run", "--dataset", "idx"], 1, "idx needs --data-dir"),
    "kaggle-csv-without-a-file": (["run", "--dataset", "kaggle-csv"], 1, "needs --data-file"),
    "no-canonical-split": ([*DIGITS, "--protocol", "canonical"], 1, "no canonical train/test"),
    "from-grid-without-dbscan": (
        [*DIGITS, "--method", "kmeans", "--from-grid", "{grid}"],
        1,
        "--from-grid needs --method dbscan",
    ),
    "seed-negative": ([*DIGITS, "--seed", "-1"], 2, "--seed: expected 0 to 4294967295"),
    "seed-too-big": ([*DIGITS, "--seed", str(2**40)], 2, "--seed: expected 0 to 4294967295"),
    "umap-min-dist-negative": ([*DIGITS, "--umap-min-dist", "-1"], 2, "expected 0 to 1"),
    "umap-neighbors-1": ([*DIGITS, "--umap-neighbors", "1"], 2, "expected a number >= 2"),
    "eps-nan": ([*DIGITS, "--eps", "nan"], 2, "expected a finite number"),
    "pca-0": ([*DIGITS, "--pca", "0"], 2, "--pca: expected a number >= 1"),
    "eps-inf": ([*DIGITS, "--method", "dbscan", "--eps", "inf"], 2, "expected a finite number"),
    "json-empty": ([*DIGITS, "--json", ""], 1, "is a directory"),
    "compare-nan-tolerance": (
        ["compare", "{record}", "{record}", "--accuracy-tol", "nan"],
        2,
        "finite",
    ),
    "pca-beyond-the-pixels": ([*DIGITS, "--pca", "65"], 1, "--pca 65 exceeds"),
    "neighbors-beyond-the-data": ([*DIGITS, "--neighbors", "5000"], 1, "--neighbors 5000"),
    "clusters-beyond-the-data": ([*DIGITS, "--clusters", "5000"], 1, "--clusters 5000"),
    "abbreviated-option": ([*DIGITS, "--pc", "10"], 2, "unrecognized arguments: --pc"),
    "data-dir-for-digits": ([*DIGITS, "--data-dir", "{tmp}"], 1, "--data-dir is for"),
    "data-file-for-mnist": (["run", "--data-file", "{file}"], 1, "--data-file is for"),
    "n-train-for-mnist": (["run", "--n-train", "70000"], 1, "--n-train is for"),
    "infimnist-without-n-train": (["run", "--dataset", "infimnist"], 1, "needs --n-train N"),
    "n-train-zero": (["run", "--dataset", "infimnist", "--n-train", "0"], 2, "--n-train"),
    "data-idx-without-a-directory": (["data", "--dataset", "idx"], 1, "needs --data-dir"),
    "data-dir-is-a-file": (["data", "--data-dir", "{file}"], 1, "is a file, not a data dir"),
    "data-idx-labels-of-other-images": (
        ["data", "--dataset", "idx", "--data-dir", "{idx}"],
        1,
        "image/label count mismatch",
    ),
    "kaggle-csv-with-a-lone-digit": (
        ["run", "--dataset", "kaggle-csv", "--data-file", "{csv}"],
        1,
        "has 1 digit; the seed protocol's stratified split needs at least 2",
    ),
    "json-is-a-directory": ([*DIGITS, "--json", "{tmp}"], 1, "is a directory"),
    "json-under-a-file": ([*DIGITS, "--json", "{file}/r.json"], 1, "is a file, not a dir"),
    "from-grid-not-a-grid": (
        [*DIGITS, "--method", "dbscan", "--from-grid", "{record}"],
        1,
        "not a grid file",
    ),
    "from-grid-missing": (
        [*DIGITS, "--method", "dbscan", "--from-grid", "{tmp}/none.jsonl"],
        1,
        "file not found",
    ),
    "from-grid-of-another-dataset": (
        ["run", "--dataset", "mnist", "--method", "dbscan", "--from-grid", "{grid}"],
        1,
        "--dataset mnist differs from the grid's digits",
    ),
    "an-option-the-method-does-not-use": (
        [*DIGITS, "--method", "kmeans", "--eps", "3"],
        1,
        "kmeans does not use --eps",
    ),
    "umap-components-beyond-the-pca": (
        [*DIGITS, "--method", "umap-kmeans", "--umap-components", "20"],
        1,
        "--umap-components 20 exceeds the 10 PCA components",
    ),
    "subsample-beyond-the-data": ([*DIGITS, "--subsample", "5000"], 1, "--subsample 5000 exceeds"),
    "from-grid-with-another-eps": (
        [*DIGITS, "--method", "dbscan", "--from-grid", "{grid}", "--eps", "9"],
        1,
        "--eps 9.0 differs from the grid's best",
    ),
    "grid-file-named-like-its-heatmap": (
        [*GRID, "--jsonl", "{tmp}/grid.png"],
        1,
        "the heatmap goes beside it",
    ),
    "grid-resume-another-range": (
        [*GRID, "--eps-range", "1:3:3", "--jsonl", "{grid}", "--resume"],
        1,
        "other settings (eps differ)",
    ),
    "grid-scheduler-file-not-one": (
        [*GRID, "--scheduler-file", "{file}", "--jsonl", "{tmp}/new.jsonl"],
        1,
        "not a Dask scheduler file",
    ),
    "grid-resume-a-run-record": (
        [*GRID, "--jsonl", "{record}", "--resume"],
        1,
        "a run record, not a grid file",
    ),
    "grid-batch-size-with-the-sweep": (
        [*GRID, "--batch-size", "5", "--jsonl", "{tmp}/new.jsonl"],
        1,
        "--batch-size applies to --engine loop",
    ),
    "grid-scheduler-and-file": (
        [*GRID, "--scheduler", "tcp://10.0.0.5:8786", "--scheduler-file", "{file}"],
        2,
        "not allowed with argument --scheduler",
    ),
    "grid-workers-of-a-remote-scheduler": (
        [*GRID, "--scheduler", "tcp://10.0.0.5:8786", "--workers", "2"],
        1,
        "--workers sizes a local cluster",
    ),
    "grid-scheduler-of-an-unknown-scheme": (
        [*GRID, "--scheduler", "bogus://", "--jsonl", "{tmp}/new.jsonl"],
        1,
        "cannot reach the Dask scheduler bogus://",
    ),
    "grid-scheduler-file-missing": (
        [*GRID, "--scheduler-file", "{tmp}/none.json", "--jsonl", "{tmp}/new.jsonl"],
        1,
        "none.json: file not found",
    ),
    "grid-too-many-eps": (
        [*GRID, "--eps-range", "0.1:5:100000000", "--jsonl", "{tmp}/new.jsonl"],
        1,
        "NUM above 10,000",
    ),
    "grid-empty-eps-range": (
        [*GRID, "--eps-range", "0.1:5:0", "--jsonl", "{tmp}/new.jsonl"],
        1,
        "the range is empty",
    ),
    "grid-existing-file-without-resume": (
        [*GRID, "--jsonl", "{grid}"],
        1,
        "exists; pass --resume",
    ),
    "grid-resume-other-settings": (
        [*GRID, "--pca", "12", "--jsonl", "{grid}", "--resume"],
        1,
        "other settings (n_components differ)",
    ),
    "budget-plot-not-an-image": (
        ["budget", "--dataset", "digits", "--plot", "{tmp}/curve.txt"],
        1,
        "expected a file ending in .png",
    ),
    "budget-method-without-a-count": (
        ["budget", "--dataset", "digits", "--method", "dbscan", "--json", "{tmp}/b.json"],
        1,
        "chooses its own number of clusters",
    ),
    "budget-counts-not-numbers": (["budget", "--cluster-counts", "10,x"], 2, "whole numbers"),
    "bench-out-is-a-file": (["bench", "--out", "{file}"], 1, "is a file, not a directory"),
    "report-out-is-a-file": (["report", "{record}", "--out", "{file}"], 1, "is a file"),
    "compare-negative-tolerance": (
        ["compare", "{record}", "{record}", "--ari-tol", "-1"],
        2,
        ">= 0",
    ),
    "scheduler-with-exact-spectral": (
        ["run", "--method", "spectral", "--scheduler", "local", "--backend", "cpu"],
        1,
        "--method spectral has no distributed implementation on cpu workers (no dask-ml "
        "spectral in the registry); run it without --scheduler",
    ),
    "scheduler-with-umap": (
        ["run", "--method", "umap-kmeans", "--scheduler", "local", "--backend", "cpu"],
        1,
        "its umap fit needs all digits in one process",
    ),
    "scheduler-with-dbscan-on-cpu-workers": (
        ["run", "--method", "dbscan", "--scheduler", "local", "--backend", "cpu"],
        1,
        "(no dask-ml dbscan in the registry)",
    ),
    "scheduler-with-intelex": (
        ["run", "--method", "kmeans", "--scheduler", "local", "--backend", "cpu-intelex"],
        1,
        "--backend cpu-intelex runs in one process",
    ),
    "scheduler-with-digits": (
        ["run", "--dataset", "digits", "--method", "kmeans", "--scheduler", "local"],
        1,
        "not digits",
    ),
    "scheduler-with-subsample": (
        ["run", "--method", "kmeans", "--scheduler", "local", "--subsample", "1000"],
        1,
        "no --subsample",
    ),
    "workers-of-a-running-scheduler": (
        ["run", "--method", "kmeans", "--scheduler", "tcp://10.0.0.5:8786", "--workers", "2"],
        1,
        "--workers sizes a local cluster",
    ),
    "workers-without-scheduler": (
        ["run", "--method", "kmeans", "--workers", "2"],
        1,
        "--workers is for a run on Dask workers",
    ),
    "scheduler-not-an-address": (
        ["run", "--method", "kmeans", "--scheduler", "nowhere"],
        2,
        "expected local or a scheduler address",
    ),
    "scheduler-and-scheduler-file": (
        ["run", "--scheduler", "local", "--scheduler-file", "{file}"],
        2,
        "not allowed with argument",
    ),
    "scheduler-file-missing": (
        ["run", "--method", "kmeans", "--scheduler-file", "{tmp}/none.json"],
        1,
        "none.json: file not found",
    ),
}


# Mistakes only the data can reveal; every other one is refused before any data is loaded.
NEEDS_THE_DATA = {
    "knn-beyond-the-clustered-digits",
    "min-cluster-size-beyond-the-data",
    "pca-beyond-the-pixels",
    "neighbors-beyond-the-data",
    "clusters-beyond-the-data",
    "umap-components-beyond-the-pca",
    "subsample-beyond-the-data",
    "no-canonical-split",
    "kaggle-csv-with-a-lone-digit",
}


@pytest.fixture(scope="module")
def run_record_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "r.json"
    assert (
        main(
            ["run", "--dataset", "digits", "--pca", "10", "--method", "kmeans", "--json", str(out)]
        )
        == 0
    )
    return out


@pytest.fixture(scope="module")
def digits_grid_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid") / "g.jsonl"
    config = GridConfig(
        dataset="digits",
        n_components=10,
        spec=GridSpec.parse("1:2:2", "2:12:5"),
        backend="cpu",
        out=out,
    )
    run_grid(config, lambda message: None)
    return out


def _no_loading(options, log):
    raise AssertionError("the data was loaded before the mistake was refused")


def _files(directory):
    return {p: p.stat().st_mtime_ns for p in directory.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("case", "argv", "status", "message"),
    [(k, *v) for k, v in MISTAKES.items()],
    ids=list(MISTAKES),
)
def test_a_mistake_is_one_line(
    tmp_path, monkeypatch, capsys, digits_grid_file, run_record_file, case, argv, status, message
):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "file").write_text("not a directory\n")
    (work / "record.json").write_bytes(run_record_file.read_bytes())
    grid = work / "g.jsonl"
    grid.write_bytes(digits_grid_file.read_bytes())
    (work / "train.csv").write_text(kaggle_csv(rows=12))  # labels 2-9 have one row each
    write_idx_dir(work / "idx", n_train=30)
    (work / "idx" / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros(29)))
    )
    names = {
        "tmp": work,
        "grid": grid,
        "record": work / "record.json",
        "file": work / "file",
        "csv": work / "train.csv",
        "idx": work / "idx",
    }
    argv = [word.format(**names) for word in argv]
    if case not in NEEDS_THE_DATA:
        for name in LOADERS:  # loading now would be a mistake refused too late
            monkeypatch.setitem(LOADERS, name, _no_loading)
    before = _files(work)
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == status, err
    assert "Traceback" not in err and "internal error" not in err
    lines = err.strip().splitlines()
    usage = ("clusterbench: error:", f"clusterbench {argv[0]}: error:")  # argparse's parsers
    assert lines[-1].startswith("clusterbench: error:" if status == 1 else usage)
    assert err.count("error:") == 1
    assert message in lines[-1], lines[-1]
    assert _files(work) == before  # nothing written, nothing changed
