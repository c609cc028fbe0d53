"""Protocols give the documented sizes and keep the class balance."""

from __future__ import annotations

import numpy as np
import pytest

from clusterbench.data import DataOptions, load_dataset, make_split
from clusterbench.errors import ConfigError


@pytest.fixture(scope="module")
def mnist(mnist_dir):
    return load_dataset("mnist", DataOptions(data_dir=mnist_dir))


@pytest.mark.mnist
def test_canonical_is_mnists_own_split(mnist):
    s = make_split(mnist, "canonical", seed=137)
    assert (s.n_train, s.n_test) == (60_000, 10_000)
    np.testing.assert_array_equal(s.y_test, mnist.labels[60_000:])


@pytest.mark.mnist
def test_seed_protocol_is_the_studys_stratified_split(mnist):
    s = make_split(mnist, "seed", seed=137)
    assert (s.n_train, s.n_test) == (37_800, 4_200)
    first = np.bincount(mnist.labels[:42_000], minlength=10)
    np.testing.assert_allclose(np.bincount(s.y_test, minlength=10), first * 0.1, atol=1)
    # Same seed, same split; another seed, another split.
    assert np.array_equal(make_split(mnist, "seed", seed=137).y_test, s.y_test)
    assert not np.array_equal(make_split(mnist, "seed", seed=1).y_test, s.y_test)


@pytest.mark.mnist
def test_subsample_is_stratified_and_proportional(mnist):
    s = make_split(mnist, "canonical", seed=137, subsample=3000)
    assert (s.n_train, s.n_test) == (3000, 500)
    full = np.bincount(mnist.labels[:60_000]) / 60_000
    np.testing.assert_allclose(np.bincount(s.y_train) / 3000, full, atol=0.001)


def test_canonical_needs_a_dataset_with_its_own_split():
    digits = load_dataset("digits", DataOptions())
    with pytest.raises(ConfigError, match="no canonical train/test split"):
        make_split(digits, "canonical", seed=137)
    s = make_split(digits, "seed", seed=137)
    assert (s.n_train, s.n_test) == (1617, 180)


def test_tiny_subsample_is_refused():
    digits = load_dataset("digits", DataOptions())
    with pytest.raises(ConfigError, match="--subsample 5: use at least 20"):
        make_split(digits, "seed", seed=137, subsample=5)
