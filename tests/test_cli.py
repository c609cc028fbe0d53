"""The command line: exit codes, one-line errors, the printed table and the JSON record."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest

from clusterbench.cli import main
from clusterbench.records import load_record
from tests.conftest import idx_bytes, kaggle_csv, no_gpu, write_idx_dir


def _fails_in_one_line(capsys, argv, message) -> str:
    """The error is one line, the last on stderr, after any progress lines; no traceback."""
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("clusterbench: error:"), err
    assert err.count("clusterbench: error:") == 1
    assert message in last
    return last


def _damaged_idx_dir(tmp_path, stem, data):
    write_idx_dir(tmp_path)
    for suffix in (".gz", ""):
        (tmp_path / f"{stem}{suffix}").unlink(missing_ok=True)
    (tmp_path / stem).write_bytes(data)
    return tmp_path


IMAGES = idx_bytes(np.zeros((30, 28, 28)))


@pytest.mark.parametrize(
    ("stem", "data", "message"),
    [
        ("train-images-idx3-ubyte", b"\x1f\x8b\x08garbage", "corrupt gzip"),
        ("train-images-idx3-ubyte", idx_bytes(np.zeros(30)), "wrong magic number"),
        ("train-images-idx3-ubyte", IMAGES[:-100], "payload truncated"),
        ("train-labels-idx1-ubyte", idx_bytes(np.zeros(29)), "image/label count mismatch"),
        ("t10k-images-idx3-ubyte", gzip.compress(IMAGES)[:50], "corrupt gzip"),
    ],
    ids=["corrupt-gzip", "magic", "truncated", "count", "truncated-gzip"],
)
def test_bad_idx_files(capsys, tmp_path, stem, data, message):
    directory = _damaged_idx_dir(tmp_path, stem, data)
    _fails_in_one_line(capsys, ["run", "--dataset", "idx", "--data-dir", str(directory)], message)


def test_checksum_mismatch(capsys, tmp_path):
    write_idx_dir(tmp_path)
    _fails_in_one_line(capsys, ["run", "--data-dir", str(tmp_path)], "SHA-256 mismatch")
    _fails_in_one_line(capsys, ["data", "--data-dir", str(tmp_path)], "SHA-256 mismatch")


def test_missing_files(capsys, tmp_path):
    _fails_in_one_line(capsys, ["run", "--data-dir", str(tmp_path / "nowhere")], "no such data")
    _fails_in_one_line(capsys, ["run", "--data-dir", str(tmp_path)], "missing train-images")
    _fails_in_one_line(
        capsys,
        ["run", "--dataset", "kaggle-csv", "--data-file", str(tmp_path / "train.csv")],
        "file not found",
    )


@pytest.mark.parametrize(
    ("row_edit", "message"),
    [
        (lambda r: r.rsplit(",", 1)[0] + ",", "missing value"),
        (lambda r: r.rsplit(",", 1)[0] + ",x1", "non-integer value"),
        (lambda r: r.rsplit(",", 1)[0], "784 columns, expected 785"),
        (lambda r: r.rsplit(",", 1)[0] + ",300", "pixel outside 0-255"),
    ],
    ids=["missing", "non-numeric", "columns", "range"],
)
def test_bad_kaggle_csv(capsys, tmp_path, row_edit, message):
    lines = kaggle_csv(rows=30).splitlines()
    lines[7] = row_edit(lines[7])
    path = tmp_path / "train.csv"
    path.write_text("\n".join(lines))
    _fails_in_one_line(
        capsys, ["run", "--dataset", "kaggle-csv", "--data-file", str(path)], message
    )


def test_options_the_data_cannot_support(capsys):
    _fails_in_one_line(capsys, ["run", "--dataset", "digits", "--pca", "100"], "--pca 100 exceeds")
    _fails_in_one_line(
        capsys, ["run", "--dataset", "digits", "--protocol", "canonical"], "no canonical"
    )
    _fails_in_one_line(
        capsys,
        ["run", "--dataset", "digits", "--pca", "10", "--method", "dbscan", "--eps", "0.01"],
        "found no cluster",
    )


def test_argument_errors_exit_2(capsys):
    for argv in (["run", "--eps", "-1"], ["run", "--subsample", "x"], ["run", "--method", "x"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    assert "expected a number > 0" in capsys.readouterr().err


def test_unwritable_json_fails_before_the_work(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    _fails_in_one_line(
        capsys,
        ["run", "--dataset", "digits", "--json", str(tmp_path / "file" / "r.json")],
        "is a file, not a directory",
    )
    assert "data:" not in capsys.readouterr().err  # refused before loading


def test_the_offline_sample_runs_with_the_defaults(capsys, tmp_path):
    """`clusterbench run --dataset digits`: the PCA default is capped at the 64 pixels, and the
    record says so; a --json into a directory not yet made makes it."""
    out = tmp_path / "new" / "r.json"
    assert main(["run", "--dataset", "digits", "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert "PCA: 64 components, all the data has (default 100)" in captured.err
    assert "test accuracy" in captured.out
    record = load_record(out)
    assert record.method == "spectral" and record.params["n_components"] == 64


def test_run_prints_a_table_and_writes_the_record(capsys, tmp_path):
    out = tmp_path / "r.json"
    argv = ["run", "--dataset", "digits", "--pca", "20", "--method", "kmeans", "--json", str(out)]
    assert main([*argv, "--backend", "cpu"]) == 0
    printed = capsys.readouterr()
    assert "test accuracy" in printed.out and "confusion matrix" in printed.out
    assert "backend: cpu (requested with --backend cpu)" in printed.err
    record = load_record(out)
    assert record.method == "kmeans" and record.data.dataset == "digits"
    assert f"{record.metrics['test_accuracy']:.4f}" in printed.out
    assert "peak memory (MiB)   transfer" in printed.out and "warm runs" not in printed.out


@no_gpu
def test_backend_auto_says_why_it_chose_the_cpu(capsys):
    assert main(["run", "--dataset", "digits", "--pca", "10", "--method", "kmeans"]) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("backend:")]
    assert len(lines) == 1 and lines[0].startswith("backend: cpu (auto: no usable GPU")


@pytest.mark.mnist
def test_data_command_verifies_real_mnist(capsys, mnist_dir):
    assert main(["data", "--data-dir", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count("SHA-256 ok") == 4
    assert "60000x28x28" in out and "10000" in out


def test_console_script_never_shows_a_traceback(tmp_path):
    """The installed entry point, as a user runs it."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "clusterbench",
            "run",
            "--dataset",
            "idx",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("clusterbench: error:")
    assert "Traceback" not in proc.stderr
