"""Loaders: real MNIST with checksums, any IDX set, Kaggle CSV, sklearn digits."""

from __future__ import annotations

import os

import numpy as np
import pytest

from clusterbench.data import DataOptions, load_dataset, mnist
from clusterbench.errors import ConfigError, DataError
from tests.conftest import kaggle_csv, write_idx_dir


@pytest.mark.mnist
def test_real_mnist_loads_and_verifies(mnist_dir):
    ds = load_dataset("mnist", DataOptions(data_dir=mnist_dir))
    assert ds.images.shape == (70_000, 784)
    assert ds.images.dtype == np.uint8
    assert ds.n_official_train == 60_000
    assert np.bincount(ds.labels).tolist()[:2] == [5923 + 980, 6742 + 1135]
    assert ds.labels[:5].tolist() == [5, 0, 4, 1, 9]


@pytest.mark.mnist
def test_real_mnist_raw_files_verify_too(mnist_dir, tmp_path):
    import gzip

    for path in mnist_dir.glob("*.gz"):
        (tmp_path / path.stem).write_bytes(gzip.decompress(path.read_bytes()))
    ds = load_dataset("mnist", DataOptions(data_dir=tmp_path))
    assert ds.fingerprint == load_dataset("mnist", DataOptions(data_dir=mnist_dir)).fingerprint


def test_checksum_mismatch_is_rejected_for_mnist_but_idx_accepts(tmp_path):
    write_idx_dir(tmp_path)
    with pytest.raises(DataError, match="SHA-256 mismatch"):
        load_dataset("mnist", DataOptions(data_dir=tmp_path))
    ds = load_dataset("idx", DataOptions(data_dir=tmp_path))
    assert ds.images.shape == (40, 784)
    assert ds.n_official_train == 30


def test_idx_count_mismatch(tmp_path):
    write_idx_dir(tmp_path)
    import gzip

    from tests.conftest import idx_bytes

    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(9))))
    with pytest.raises(DataError, match="image/label count mismatch"):
        load_dataset("idx", DataOptions(data_dir=tmp_path))


def test_missing_files_are_named(tmp_path):
    write_idx_dir(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"missing train-labels-idx1-ubyte\[\.gz\]"):
        load_dataset("idx", DataOptions(data_dir=tmp_path))


def test_idx_needs_a_directory():
    with pytest.raises(ConfigError, match="--data-dir"):
        load_dataset("idx", DataOptions())


def test_kaggle_csv_loads(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text(kaggle_csv(rows=25))
    ds = load_dataset("kaggle-csv", DataOptions(data_file=path))
    assert ds.images.shape == (25, 784)
    assert ds.labels.tolist() == [i % 10 for i in range(25)]
    assert ds.n_official_train is None


def _corrupt_csv(tmp_path, edit):
    lines = kaggle_csv(rows=5).splitlines()
    lines = edit(lines)
    path = tmp_path / "train.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _last_pixel(value: str | None):
    """An edit of data line 3 (file line 3) that replaces, or with None drops, its last field."""

    def edit(lines: list[str]) -> list[str]:
        head = lines[2].rsplit(",", 1)[0]
        return [*lines[:2], head if value is None else f"{head},{value}", *lines[3:]]

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda ls: [*ls[:3], ls[3].replace(",", ",,", 1), *ls[4:]], "line 4 has 786 columns"),
        (_last_pixel(None), "line 3 has 784 columns"),
        (_last_pixel(""), "line 3, column 785: missing"),
        (_last_pixel("abc"), "non-integer value 'abc'"),
        (_last_pixel("256"), "line 3 has a pixel outside"),
        (_last_pixel("-1"), "line 3 has a pixel outside"),
        (lambda ls: [*ls[:2], "12" + ls[2][1:], *ls[3:]], "line 3 has label 12"),
        (lambda ls: [ls[0].replace("label", "pixelX"), *ls[1:]], "expected 'label'"),
        (lambda ls: [ls[0].rsplit(",", 1)[0], *ls[1:]], "header has 784 columns"),
        (lambda ls: ls[:1], "no data rows"),
    ],
    ids=[
        "extra-col",
        "short-row",
        "missing",
        "non-numeric",
        "pixel-256",
        "pixel-neg",
        "label",
        "header",
        "header-cols",
        "no-rows",
    ],
)
def test_kaggle_csv_bad_input(tmp_path, edit, message):
    path = _corrupt_csv(tmp_path, edit)
    with pytest.raises(DataError, match=message):
        load_dataset("kaggle-csv", DataOptions(data_file=path))


def test_kaggle_csv_needs_a_file():
    with pytest.raises(ConfigError, match="--data-file"):
        load_dataset("kaggle-csv", DataOptions())


def test_digits_offline_sample():
    ds = load_dataset("digits", DataOptions())
    assert ds.images.shape == (1797, 64)
    assert ds.images.max() == 255
    assert ds.n_official_train is None


def test_locate_prefers_flag_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.DATA_DIR_ENV, str(tmp_path / "env"))
    assert mnist.locate(tmp_path / "flag") == tmp_path / "flag"
    assert mnist.locate(None) == tmp_path / "env"


def test_locate_uses_a_complete_cache_without_download(tmp_path, monkeypatch):
    monkeypatch.delenv(mnist.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(mnist.CACHE_DIR_ENV, str(tmp_path))
    write_idx_dir(tmp_path / "mnist")
    monkeypatch.setattr(mnist, "MIRRORS", [])  # any download attempt would fail
    assert mnist.locate(None) == tmp_path / "mnist"


def test_no_network_says_where_to_put_the_files(tmp_path, monkeypatch):
    monkeypatch.delenv(mnist.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(mnist.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(mnist, "MIRRORS", ["http://127.0.0.1:9/"])  # discard port: refused
    with pytest.raises(DataError, match="could not download") as info:
        mnist.locate(None)
    assert str(tmp_path / "mnist") in str(info.value)
    assert "--data-dir" in str(info.value)


@pytest.mark.mnist
def test_download_from_a_mirror_verifies_and_caches(mnist_dir, tmp_path, monkeypatch):
    """pooch fetches over HTTP (a local mirror serving the shared files), MD5-checked."""
    import hashlib
    import http.server
    import threading
    from dataclasses import replace
    from functools import partial

    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(mnist_dir))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # The shared train-images .gz was recompressed (its README): expect its own MD5 here.
        files = tuple(
            replace(f, gz_md5=hashlib.md5((mnist_dir / f"{f.stem}.gz").read_bytes()).hexdigest())
            for f in mnist.MNIST_FILES
        )
        monkeypatch.setattr(mnist, "MNIST_FILES", files)
        monkeypatch.delenv(mnist.DATA_DIR_ENV, raising=False)
        monkeypatch.setenv(mnist.CACHE_DIR_ENV, str(tmp_path))
        monkeypatch.setattr(mnist, "MIRRORS", [f"http://127.0.0.1:{server.server_port}/"])
        directory = mnist.locate(None)
        assert directory == tmp_path / "mnist"
        assert sorted(p.name for p in directory.glob("*.gz")) == sorted(
            f"{f.stem}.gz" for f in files
        )
        assert mnist.read_idx_dir(directory, verify=True)  # decompressed SHA-256 holds too
        # A corrupted mirror copy is refused and not cached.
        (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
        bad = tuple(
            replace(f, gz_md5="0" * 32) if f.stem.startswith("t10k-l") else f for f in files
        )
        monkeypatch.setattr(mnist, "MNIST_FILES", bad)
        with pytest.raises(DataError, match="could not download t10k-labels"):
            mnist.locate(None)
        assert not (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    finally:
        server.shutdown()


def test_fingerprint_changes_with_content(tmp_path):
    write_idx_dir(tmp_path / "a", seed=0)
    write_idx_dir(tmp_path / "b", seed=1)
    a = load_dataset("idx", DataOptions(data_dir=tmp_path / "a"))
    b = load_dataset("idx", DataOptions(data_dir=tmp_path / "b"))
    assert a.fingerprint != b.fingerprint
    assert os.path.basename(a.source) == "a"
