"""Train/test protocols: MNIST's own split, or the study's seeded 90/10 split of 42,000 digits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from clusterbench.data.datasets import Dataset
from clusterbench.errors import ConfigError, DataError

MIN_SUBSAMPLE = 20  # two digits per class, at least
SEED_PROTOCOL_DIGITS = 42_000  # the size of Kaggle's labelled digit-recognizer set
SEED_PROTOCOL_TEST_FRACTION = 0.1
PROTOCOLS = ("canonical", "seed")


@dataclass(frozen=True)
class Split:
    """uint8 pixel matrices and int64 labels for the training and test digits."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    protocol: str

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)


def default_protocol(dataset: Dataset) -> str:
    """`canonical` where the dataset has its own split, else the study's `seed` protocol."""
    return "canonical" if dataset.n_official_train is not None else "seed"


def _stratified_take(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of a stratified, seeded sample of `n` of the labels `y`, in original order."""
    if n >= len(y):
        return np.arange(len(y))
    idx, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=seed)
    return np.sort(idx)


def make_split(dataset: Dataset, protocol: str, seed: int, subsample: int | None = None) -> Split:
    """Split per `protocol`; `subsample` keeps a stratified N training digits and the test digits
    in the same proportion as the protocol's split."""
    X, y = dataset.images, dataset.labels
    if protocol == "canonical":
        n = dataset.n_official_train
        if n is None:
            raise ConfigError(
                f"dataset {dataset.name} has no canonical train/test split; use --protocol seed"
            )
        X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    elif protocol == "seed":
        X, y = X[:SEED_PROTOCOL_DIGITS], y[:SEED_PROTOCOL_DIGITS]
        labels, counts = np.unique(y, return_counts=True)
        if counts.min() < 2:
            raise DataError(
                f"{dataset.source}: label {labels[counts.argmin()]} has {counts.min()} digit; "
                "the seed protocol's stratified split needs at least 2 of each label"
            )
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=SEED_PROTOCOL_TEST_FRACTION, stratify=y, random_state=seed
        )
    else:
        raise ConfigError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    if subsample is not None:
        if subsample < MIN_SUBSAMPLE:
            raise ConfigError(f"--subsample {subsample}: use at least {MIN_SUBSAMPLE}")
        if subsample > len(y_train):
            raise ConfigError(
                f"--subsample {subsample} exceeds the {len(y_train)} training digits of "
                f"{dataset.name} ({protocol} protocol)"
            )
        n_test = max(10, round(subsample * len(y_test) / len(y_train)))
        tr = _stratified_take(y_train, subsample, seed)
        te = _stratified_take(y_test, n_test, seed)
        X_train, y_train, X_test, y_test = X_train[tr], y_train[tr], X_test[te], y_test[te]
    return Split(X_train, y_train, X_test, y_test, protocol)
