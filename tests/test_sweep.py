"""The sweep engine's labels are scikit-learn's DBSCAN labels, element for element."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.cluster import DBSCAN
from sklearn.datasets import load_digits, make_blobs
from sklearn.decomposition import PCA

from clusterbench.errors import ConfigError
from clusterbench.grid.runner import GridConfig, run_grid
from clusterbench.grid.spec import GridSpec
from clusterbench.grid.sweep import check_graph_fits, estimate_graph_bytes, neighbour_graph, sweep
from clusterbench.registry import DaskOptions


def assert_identical(X: np.ndarray, eps: list[float], min_samples: list[int]) -> int:
    """Compare every configuration; return how many found at least one cluster."""
    graph = neighbour_graph(X, max(eps))
    nontrivial = 0
    for m in min_samples:
        labels = sweep(graph, m, eps)
        assert sorted(labels) == sorted(set(eps))
        for e in eps:
            expected = DBSCAN(eps=e, min_samples=m).fit(X).labels_
            np.testing.assert_array_equal(labels[e], expected, err_msg=f"eps={e}, min_samples={m}")
            nontrivial += expected.max() >= 0
    return nontrivial


@pytest.mark.parametrize("dims", [40, 16, 15, 8, 2])  # brute force above 15 dims, k-d tree below
def test_identical_on_digits_in_several_dimensions(dims):
    X = PCA(dims, random_state=0).fit_transform(load_digits().data / 16).astype(np.float32)
    scale = float(np.median(np.linalg.norm(X - X.mean(0), axis=1)))
    eps = list(np.linspace(0.05, 0.6, 12) * scale)
    assert assert_identical(X, eps, [1, 2, 5, 12, 30]) > 10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identical_on_random_grids_over_blobs(seed):
    rng = np.random.default_rng(seed)
    dims = int(rng.choice([3, 20]))
    X, _ = make_blobs(600, n_features=dims, centers=6, cluster_std=1.5, random_state=seed)
    X = X.astype(rng.choice([np.float32, np.float64]))
    from sklearn.neighbors import NearestNeighbors

    tenth = NearestNeighbors(n_neighbors=10).fit(X).kneighbors(X)[0][:, -1]
    eps = sorted((rng.uniform(0.5, 2.5, size=8) * np.median(tenth)).tolist())
    min_samples = sorted(rng.choice(np.arange(1, 60), size=5, replace=False).tolist())
    assert assert_identical(X, eps, min_samples) > 0


@pytest.mark.parametrize("dims", [2, 20])
def test_distances_exactly_equal_to_eps_count_as_neighbours(dims):
    # Integer lattice: many pairs lie at distance exactly 1, sqrt(2), 2.
    grid = np.stack(np.meshgrid(np.arange(8), np.arange(8)), axis=-1).reshape(-1, 2)
    X = np.zeros((len(grid), dims), dtype=np.float32)
    X[:, :2] = grid
    X = X[np.random.default_rng(0).permutation(len(X))]  # not in lattice order
    assert assert_identical(X, [1.0, 2.0**0.5, 2.0], [2, 3, 4, 5, 6]) > 0
    # At eps = 1 an inner point has exactly 5 neighbours (itself and 4 at distance 1): core at 5.
    labels = sweep(neighbour_graph(X, 1.0), 5, [1.0])[1.0]
    assert (labels >= 0).sum() > 0


@pytest.mark.parametrize("dims", [2, 20])
def test_duplicate_points(dims):
    rng = np.random.default_rng(3)
    base = rng.normal(size=(120, dims)).astype(np.float32)
    X = np.concatenate([base, base[:60], base[:30]])  # zero distances, up to three copies
    X = X[rng.permutation(len(X))]
    assert assert_identical(X, [1e-3, 0.5, 1.5, 3.0], [1, 2, 3, 4, 10]) > 0


def test_no_core_point_and_eps_beyond_every_distance():
    X = np.random.default_rng(4).normal(size=(200, 20)).astype(np.float32)
    graph = neighbour_graph(X, 100.0)
    none_core = sweep(graph, 50, [0.01])[0.01]
    np.testing.assert_array_equal(none_core, DBSCAN(eps=0.01, min_samples=50).fit(X).labels_)
    assert (none_core == -1).all()
    everything = sweep(graph, 5, [100.0])[100.0]
    assert (everything == 0).all()
    np.testing.assert_array_equal(everything, DBSCAN(eps=100.0, min_samples=5).fit(X).labels_)
    # min_samples above the number of points: nothing is ever core.
    assert (sweep(graph, 500, [100.0])[100.0] == -1).all()


def test_memory_estimate_refuses_a_graph_that_would_not_fit():
    X = np.random.default_rng(5).normal(size=(2000, 20)).astype(np.float32)
    need = estimate_graph_bytes(X, 10.0)
    actual = neighbour_graph(X, 10.0)
    assert 0.5 < need / (actual.csr.nnz * 28) < 2  # within a factor of two of the real size
    with pytest.raises(ConfigError, match="smaller maximum eps or --subsample"):
        check_graph_fits(X, 10.0, budget_bytes=need // 10)
    assert check_graph_fits(X, 10.0, budget_bytes=need * 10) == need


def test_grid_refuses_too_big_a_sweep_in_one_line(tmp_path, monkeypatch, capsys):
    import psutil

    from clusterbench.cli import main

    small = psutil.virtual_memory()._replace(available=1000)  # a named tuple
    monkeypatch.setattr(psutil, "virtual_memory", lambda: small)
    argv = [
        "grid",
        "--dataset",
        "digits",
        "--pca",
        "20",
        "--eps-range",
        "1:3:3",
        "--min-samples-range",
        "2:10:4",
        "--jsonl",
        str(tmp_path / "g.jsonl"),
    ]
    assert main(argv) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("clusterbench: error: the neighbour graph up to eps 3 needs about")


def test_sweep_and_loop_engines_write_the_same_rows(tmp_path):
    base = GridConfig(
        dataset="digits",
        n_components=20,
        spec=GridSpec.parse("0.6:2.2:9", "2:30:7"),
        backend="cpu",
        dask=DaskOptions(workers=2, processes=False),
    )
    rows = {}
    for engine in ("loop", "sweep"):
        config = replace(base, engine=engine, out=tmp_path / f"{engine}.jsonl")
        rows[engine] = {
            (r["eps"], r["min_samples"]): r for r in run_grid(config, lambda _: None).record.rows
        }
    assert rows["loop"].keys() == rows["sweep"].keys()
    for key, loop in rows["loop"].items():
        sweep_row = rows["sweep"][key]
        for field in ("ari", "nmi", "rand_index", "n_clusters", "noise_fraction", "train_purity"):
            assert loop[field] == sweep_row[field], (key, field)
