"""UMAP-based methods and the labelling-budget curve."""

from __future__ import annotations

import json

import pytest

from clusterbench.cli import main
from clusterbench.data import DataOptions
from clusterbench.registry import METHODS, Params
from clusterbench.runner import RunConfig, run

UMAP_METHODS = [name for name, row in METHODS.items() if row.embedding == "umap"]


def test_every_umap_method_has_both_backends():
    assert set(UMAP_METHODS) == {"umap-kmeans", "umap-spectral", "umap-hdbscan"}
    for name in UMAP_METHODS:
        assert METHODS[name].gpu.path.startswith("cuml.")


@pytest.mark.parametrize("method", UMAP_METHODS)
def test_umap_methods_label_digits(method):
    params = Params(n_components=30, min_cluster_size=20)
    record = run(RunConfig(dataset="digits", method=method, params=params), log=lambda _: None)
    m = record["metrics"]
    assert m["test_accuracy"] >= 0.75, m["test_accuracy"]
    assert record["timings"]["embed_s"] > 0
    assert m["clustered_fraction"] == pytest.approx(1 - m["noise_fraction"])
    if method == "umap-hdbscan":
        assert m["n_clusters"] >= 5  # it finds its own count


@pytest.mark.mnist
def test_umap_kmeans_on_an_mnist_subsample(mnist_dir):
    record = run(
        RunConfig(
            data=DataOptions(data_dir=mnist_dir),
            subsample=5000,
            method="umap-kmeans",
            params=Params(n_clusters=20),
            backend="cpu",
        ),
        log=lambda _: None,
    )
    assert record["metrics"]["test_accuracy"] >= 0.75  # 5,000 digits; full MNIST: see README


def test_budget_curve_embeds_once_and_draws(tmp_path, capsys, monkeypatch):
    from clusterbench.pipeline import ClusterThenLabel

    calls = []
    embed = ClusterThenLabel.embed
    monkeypatch.setattr(
        ClusterThenLabel, "embed", lambda self, *a, **k: calls.append(1) or embed(self, *a, **k)
    )
    out, plot = tmp_path / "budget.json", tmp_path / "budget.png"
    argv = [
        "budget",
        "--dataset",
        "digits",
        "--pca",
        "30",
        "--clusters",
        "10,20,40",
        "--json",
        str(out),
        "--plot",
        str(plot),
    ]
    assert main(argv) == 0
    assert calls == [1]
    record = json.loads(out.read_text())
    assert [r["clusters"] for r in record["rows"]] == [10, 20, 40]
    purity = [r["train_purity"] for r in record["rows"]]
    assert purity == sorted(purity)  # more clusters, purer clusters (nested enough on digits)
    assert all(0.7 <= r["test_accuracy"] <= 1 for r in record["rows"])
    assert plot.stat().st_size > 10_000
    printed = capsys.readouterr().out
    assert "clusters  test accuracy" in printed


def test_budget_needs_a_method_with_a_cluster_count(capsys):
    assert main(["budget", "--dataset", "digits", "--method", "umap-hdbscan"]) == 1
    assert "chooses its own number of clusters" in capsys.readouterr().err


def test_bad_cluster_list_is_a_one_line_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["budget", "--clusters", "10,x"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expected whole numbers like 10,20,50" in err
