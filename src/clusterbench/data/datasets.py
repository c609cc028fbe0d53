"""Datasets as uint8 pixel matrices with labels: MNIST, generated InfiMNIST-style digits, any
IDX set, Kaggle CSV, sklearn digits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clusterbench import files
from clusterbench.data import infimnist, mnist
from clusterbench.errors import ConfigError, DataError
from clusterbench.progress import Log

KAGGLE_COLUMNS = 785  # label + 28 * 28 pixels
MAX_GENERATED = 100_000_000  # 78 GB of digits; MNIST8M is 8.1 million


@dataclass(frozen=True)
class Dataset:
    """Images flattened to (n, pixels) uint8 in 0..255, labels (n,) int64.

    The first `n_official_train` rows are the dataset's own training split (None: it has none).
    `fingerprint` identifies the exact content, so two results can prove they used the same data.
    """

    name: str
    images: np.ndarray
    labels: np.ndarray
    n_official_train: int | None
    fingerprint: str
    source: str


@dataclass(frozen=True)
class DataOptions:
    data_dir: Path | None = None
    data_file: Path | None = None
    n_train: int | None = None  # infimnist: how many training digits to generate


def _fingerprint(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
    return h.hexdigest()


def _read_idx_set(directory: Path, verify: bool) -> dict[str, mnist.IdxArray]:
    """The four IDX files, parsed, with images and labels that belong together."""
    parsed = mnist.read_idx_dir(directory, verify=verify)
    train_x, train_y, test_x, test_y = (parsed[f.stem] for f in mnist.MNIST_FILES)
    for images, labels in ((train_x, train_y), (test_x, test_y)):
        if len(images.array) != len(labels.array):
            raise DataError(
                f"{directory}: image/label count mismatch "
                f"({len(images.array)} images, {len(labels.array)} labels)"
            )
    if train_x.array.shape[1:] != test_x.array.shape[1:]:
        raise DataError(
            f"{directory}: train images {train_x.array.shape[1:]} and test images "
            f"{test_x.array.shape[1:]} differ in size"
        )
    return parsed


def idx_fingerprint(parsed: dict[str, mnist.IdxArray]) -> str:
    """The fingerprint of a four-file IDX dataset (mnist, idx)."""
    return _fingerprint(*(p.sha256 for p in parsed.values()))


def infimnist_fingerprint(recipe_fingerprint: str, n_train: int, test_sha256: str) -> str:
    """The fingerprint of `n_train` generated digits of a recipe, with MNIST's test digits."""
    return _fingerprint(recipe_fingerprint, str(n_train), test_sha256)


def _from_idx_dir(name: str, directory: Path, verify: bool) -> Dataset:
    parsed = _read_idx_set(directory, verify)
    train_x, train_y, test_x, test_y = (parsed[f.stem] for f in mnist.MNIST_FILES)
    n_train = len(train_x.array)
    images = np.concatenate([train_x.array, test_x.array]).reshape(n_train + len(test_x.array), -1)
    labels = np.concatenate([train_y.array, test_y.array]).astype(np.int64)
    return Dataset(
        name=name,
        images=images,
        labels=labels,
        n_official_train=n_train,
        fingerprint=idx_fingerprint(parsed),
        source=str(directory),
    )


def load_mnist(options: DataOptions, log: Log) -> Dataset:
    """Canonical MNIST, SHA-256 verified, from --data-dir, the environment, or the cache."""
    return _from_idx_dir("mnist", mnist.locate(options.data_dir), verify=True)


def load_idx(options: DataOptions, log: Log) -> Dataset:
    """Any dataset in MNIST's four-file IDX layout: structural checks, no checksum."""
    assert options.data_dir is not None  # check_options
    return _from_idx_dir("idx", options.data_dir, verify=False)


def _csv_error(path: Path, rows: list[str]) -> DataError:
    """Find the first bad row of a Kaggle CSV that numpy refused, for a precise message."""
    for lineno, row in enumerate(rows[1:], start=2):
        fields = row.split(",")
        if len(fields) != KAGGLE_COLUMNS:
            return DataError(
                f"{path}: line {lineno} has {len(fields)} columns, expected {KAGGLE_COLUMNS}"
            )
        for col, field in enumerate(fields, start=1):
            try:
                int(field)
            except ValueError:
                what = "missing value" if not field.strip() else f"non-integer value {field!r}"
                return DataError(f"{path}: line {lineno}, column {col}: {what}")
    return DataError(f"{path}: unreadable CSV")


def load_kaggle_csv(options: DataOptions, log: Log) -> Dataset:
    """Kaggle "digit-recognizer" train.csv: a `label` column then 784 pixel columns."""
    path = options.data_file
    assert path is not None  # check_options
    text = files.read_text(path)
    rows = [r for r in text.splitlines() if r.strip()]
    if not rows:
        raise DataError(f"{path}: empty file")
    header = [c.strip() for c in rows[0].split(",")]
    if header[0] != "label":
        raise DataError(f"{path}: first column is {header[0]!r}, expected 'label' (train.csv)")
    if len(header) != KAGGLE_COLUMNS:
        raise DataError(f"{path}: header has {len(header)} columns, expected {KAGGLE_COLUMNS}")
    if len(rows) < 2:
        raise DataError(f"{path}: no data rows")
    try:
        table = np.loadtxt(rows[1:], delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError:
        raise _csv_error(path, rows) from None
    if table.shape[1] != KAGGLE_COLUMNS:
        raise _csv_error(path, rows)
    labels, pixels = table[:, 0], table[:, 1:]
    bad = np.flatnonzero((pixels < 0).any(axis=1) | (pixels > 255).any(axis=1))
    if bad.size:
        raise DataError(f"{path}: line {bad[0] + 2} has a pixel outside 0-255")
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        raise DataError(f"{path}: line {bad[0] + 2} has label {labels[bad[0]]}, expected 0-9")
    images = pixels.astype(np.uint8)
    return Dataset(
        name="kaggle-csv",
        images=images,
        labels=labels,
        n_official_train=None,
        fingerprint=_fingerprint(images.tobytes(), labels.tobytes()),
        source=str(path),
    )


def load_digits(options: DataOptions, log: Log) -> Dataset:
    """scikit-learn's bundled 8x8 digits (1,797), rescaled from 0..16 to 0..255: no download."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    images = np.rint(bunch.data * (255 / 16)).astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    return Dataset(
        name="digits",
        images=images,
        labels=labels,
        n_official_train=None,
        fingerprint=_fingerprint(images.tobytes(), labels.tobytes()),
        source="sklearn.datasets.load_digits",
    )


def load_infimnist(options: DataOptions, log: Log) -> Dataset:
    """`n_train` InfiMNIST-style training digits (the first 60,000 are MNIST's own, the rest
    deformations of them), generated once into the cache, then MNIST's 10,000 test digits."""
    from clusterbench.data.infimnist_store import Store

    assert options.n_train is not None  # check_options
    directory = mnist.locate(options.data_dir)
    parsed = _read_idx_set(directory, verify=True)
    train_x, train_y, test_x, test_y = (parsed[f.stem] for f in mnist.MNIST_FILES)
    store = Store.for_recipe(infimnist.DEFAULT, train_x.sha256)
    if options.n_train <= infimnist.N_SOURCE:  # MNIST's own digits: nothing to generate
        train = train_x.array.reshape(len(train_x.array), -1)[: options.n_train]
    else:
        train = store.ensure(directory, options.n_train, log)
    n_test = len(test_x.array)
    images = np.empty((options.n_train + n_test, infimnist.PIXELS), dtype=np.uint8)
    images[: options.n_train] = train
    images[options.n_train :] = test_x.array.reshape(n_test, -1)
    train_labels = infimnist.labels(train_y.array.astype(np.int64), options.n_train)
    return Dataset(
        name="infimnist",
        images=images,
        labels=np.concatenate([train_labels, test_y.array.astype(np.int64)]),
        n_official_train=options.n_train,
        fingerprint=infimnist_fingerprint(store.fingerprint, options.n_train, test_x.sha256),
        source=f"{store.images_path} (from {directory})",
    )


LOADERS: dict[str, Callable[[DataOptions, Log], Dataset]] = {
    "mnist": load_mnist,
    "infimnist": load_infimnist,
    "digits": load_digits,
    "idx": load_idx,
    "kaggle-csv": load_kaggle_csv,
}


def check_options(name: str, options: DataOptions) -> None:
    """Refuse a data option the dataset would ignore, and an unknown dataset."""
    if name not in LOADERS:
        raise ConfigError(f"unknown dataset {name!r}; choose from {', '.join(LOADERS)}")
    if options.data_dir is not None and name not in ("mnist", "infimnist", "idx"):
        raise ConfigError(f"--data-dir is for --dataset mnist, infimnist or idx, not {name}")
    if options.n_train is not None and name != "infimnist":
        raise ConfigError(f"--n-train is for --dataset infimnist, not {name}")
    if name == "infimnist" and options.n_train is None:
        raise ConfigError("--dataset infimnist needs --n-train N, e.g. --n-train 120000")
    if name == "infimnist" and not 1 <= options.n_train <= MAX_GENERATED:
        raise ConfigError(f"--n-train {options.n_train}: use 1 to {MAX_GENERATED:,}")
    if options.data_file is not None and name != "kaggle-csv":
        raise ConfigError(f"--data-file is for --dataset kaggle-csv, not {name}")
    if name == "idx" and options.data_dir is None:
        raise ConfigError("--dataset idx needs --data-dir DIR holding the four IDX files")
    if name == "kaggle-csv" and options.data_file is None:
        raise ConfigError("--dataset kaggle-csv needs --data-file PATH (Kaggle's train.csv)")


def load_dataset(name: str, options: DataOptions, log: Log = lambda message: None) -> Dataset:
    check_options(name, options)
    return LOADERS[name](options, log)


def describe(dataset: str, data_dir: Path | None) -> str:
    """What a directory of the four IDX files holds, checked as a run would load it: shapes and,
    for mnist, the canonical SHA-256 of each file; idx checks the structure only."""
    if dataset not in ("mnist", "idx"):
        raise ConfigError(f"--dataset {dataset} has no data directory to check (mnist or idx)")
    if dataset == "idx" and data_dir is None:
        raise ConfigError("--dataset idx needs --data-dir DIR holding the four IDX files")
    directory = mnist.locate(data_dir) if dataset == "mnist" else data_dir
    parsed = _read_idx_set(directory, verify=dataset == "mnist")
    lines = [f"{directory}:"]
    for spec in mnist.MNIST_FILES:
        path = mnist.find_file(directory, spec.stem)
        idx = parsed[spec.stem]
        status = "SHA-256 ok" if idx.sha256 == spec.content_sha256 else "not canonical MNIST"
        shape = "x".join(map(str, idx.array.shape))
        lines.append(f"  {path.name if path else spec.stem:<28} {shape:<12} {status}")
    return "\n".join(lines)
