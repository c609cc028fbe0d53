"""The PCA over partitions: scikit-learn's components, variances and features, from any
partitioning, without gathering the digits."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest
from sklearn.decomposition import PCA as SklearnPCA

from clusterbench.data import DataOptions, load_dataset, make_split
from clusterbench.estimators.dask_pca import PCA


@pytest.fixture(scope="module")
def digits(mnist_dir):
    split = make_split(load_dataset("mnist", DataOptions(mnist_dir)), "canonical", 137, 6000)
    return split.X_train


@pytest.mark.parametrize("rows", [6000, 1000, 777])
def test_the_components_and_features_are_scikit_learns(digits, rows):
    reference = SklearnPCA(n_components=30, svd_solver="full").fit(digits.astype(np.float64))
    with dask.config.set(scheduler="synchronous"):
        ours = PCA(30).fit(da.from_array(digits, chunks=(rows, 784)))
        features = ours.transform(da.from_array(digits, chunks=(rows, 784))).compute()
    np.testing.assert_allclose(ours.mean_, reference.mean_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_, reference.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, reference.explained_variance_ratio_, rtol=1e-8
    )
    np.testing.assert_allclose(ours.components_, reference.components_, atol=1e-6)  # same signs
    np.testing.assert_allclose(features, reference.transform(digits.astype(np.float64)), atol=1e-4)
