"""The cluster gallery: what the record keeps of each cluster (chosen digits, size, label,
purity) is right and small, and `clusterbench gallery` draws it from the record alone."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from clusterbench.cli import main
from clusterbench.data import DataOptions
from clusterbench.pipeline import gallery
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.run import run
from clusterbench.records import SuiteCase, load_record, write_record
from tests.records import suite

QUIET = lambda message: None  # noqa: E731


def _blobs(n_clusters: int, per: int, side: int = 4):
    rng = np.random.default_rng(0)
    ids = np.repeat(np.arange(n_clusters), per)
    features = rng.normal(size=(len(ids), 3)) + ids[:, None] * 10.0
    pixels = rng.integers(0, 256, size=(len(ids), side * side), dtype=np.uint8)
    y = ids % 3
    y[::5] = (y[::5] + 1) % 3  # a fifth of each cluster has another class
    return pixels, features, ids, y


def test_each_cluster_keeps_its_nearest_and_random_members_and_their_pixels():
    pixels, features, ids, y = _blobs(3, 40)
    ids[:7] = -1  # noise
    labels = np.array([0, 1, 2])
    g = gallery.build(pixels, features, ids, y, labels, seed=5)
    assert g["noise"] == 7 and g["clusters_total"] == 3 and g["image_shape"] == [4, 4]
    sizes = [c["size"] for c in g["clusters"]]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) == len(ids) - 7
    for c in g["clusters"]:
        members = np.flatnonzero(ids == c["cluster"])
        assert set(c["nearest"]) | set(c["random"]) <= set(members.tolist())
        assert not set(c["nearest"]) & set(c["random"])
        assert len(c["nearest"]) == gallery.NEAREST and len(c["random"]) == gallery.RANDOM
        centre = features[members].mean(axis=0)
        distance = ((features[members] - centre) ** 2).sum(axis=1)
        assert sorted(c["nearest"]) == sorted(members[np.argsort(distance)[: gallery.NEAREST]])
        assert c["purity"] == pytest.approx(np.mean(y[members] == c["label"]))
        assert c["class_counts"] == np.bincount(y[members], minlength=3).tolist()
        chosen = c["nearest"] + c["random"]
        assert np.array_equal(gallery.digits_of(g, c), pixels[chosen].reshape(-1, 4, 4))


def test_the_gallery_keeps_the_largest_clusters_within_its_budget():
    pixels, features, ids, y = _blobs(gallery.MAX_CLUSTERS + 5, 20, side=28)
    ids[ids == 3] = 0  # cluster 0 is the largest
    labels = np.arange(gallery.MAX_CLUSTERS + 5) % 3
    g = gallery.build(pixels, features, ids, y, labels, seed=0)
    assert len(g["clusters"]) == gallery.MAX_CLUSTERS and g["clusters"][0]["cluster"] == 0
    assert 3 not in {c["cluster"] for c in g["clusters"]}  # emptied
    assert len(json.dumps(g)) < 400_000  # random pixels: the worst case for compression


def test_digits_that_are_not_square_images_have_no_gallery():
    pixels, features, ids, y = _blobs(2, 10)
    assert gallery.build(pixels[:, :15], features, ids, y, np.array([0, 1]), 0) is None


@pytest.fixture(scope="module")
def digits_record(tmp_path_factory):
    record = run(RunConfig("digits", DataOptions(), method="kmeans", backend="cpu"), QUIET)
    path = tmp_path_factory.mktemp("gallery") / "run.json"
    write_record(record, path)
    return record, path


def test_a_run_record_carries_its_gallery_and_reads_it_back(digits_record):
    record, path = digits_record
    g = record.gallery
    assert g["image_shape"] == [8, 8] and g["max_value"] == 255  # scaled to bytes by the loader
    assert len(g["clusters"]) == 10 and sum(c["size"] for c in g["clusters"]) == record.data.n_train
    purity = sum(c["purity"] * c["size"] for c in g["clusters"]) / record.data.n_train
    assert purity == pytest.approx(record.metrics["train_purity"])
    assert load_record(path).gallery == g


def test_the_gallery_command_draws_a_png_from_the_record(digits_record, tmp_path):
    _, path = digits_record
    out = tmp_path / "pictures" / "g.png"
    assert main(["gallery", str(path), "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_a_record_without_a_gallery_is_one_line(digits_record, tmp_path, capsys):
    record, _ = digits_record
    old = tmp_path / "old.json"
    d = record.to_json()
    del d["gallery"]  # as written before galleries
    old.write_text(json.dumps(d))
    assert main(["gallery", str(old), "--plot", str(tmp_path / "g.png")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("clusterbench: error:") and "no gallery" in err and "\n" not in err
    assert not (tmp_path / "g.png").exists()


def test_a_suite_record_needs_its_case_named(digits_record, tmp_path, capsys):
    record, _ = digits_record
    path = tmp_path / "suite.json"
    base = suite("cpu", 1.0)
    cases = [SuiteCase("kmeans", replace(record, environment=None)), *base.cases[1:]]
    write_record(replace(base, cases=cases), path)
    assert main(["gallery", str(path), "--plot", str(tmp_path / "g.png")]) == 1
    assert "--case (kmeans, spectral)" in capsys.readouterr().err
    assert main(["gallery", str(path), "--case", "kmeans", "--plot", str(tmp_path / "g.png")]) == 0
    assert (
        main(["gallery", str(path), "--case", "spectral", "--plot", str(tmp_path / "h.png")]) == 1
    )
    assert "no gallery" in capsys.readouterr().err  # a made-up record without one


def test_another_seed_draws_other_random_members_of_the_same_clusters():
    pixels, features, ids, y = _blobs(3, 40)
    one, two = (gallery.build(pixels, features, ids, y, np.arange(3), s) for s in (0, 1))
    assert [c["nearest"] for c in one["clusters"]] == [c["nearest"] for c in two["clusters"]]
    assert [c["random"] for c in one["clusters"]] != [c["random"] for c in two["clusters"]]


def test_large_digits_are_kept_as_thumbnails_within_the_budget():
    pixels, features, ids, y = _blobs(2, 20, side=64)
    g = gallery.build(pixels, features, ids, y, np.arange(2), 0)
    assert g["image_shape"] == [21, 21]  # 63 x 63 of 64 x 64, blocks of 3 x 3 averaged
    c = g["clusters"][0]
    block = pixels[c["nearest"][0]].reshape(64, 64)[:3, :3].mean()
    assert gallery.digits_of(g, c)[0, 0, 0] == round(block)


def test_a_clustering_of_noise_only_has_no_gallery():
    pixels, features, ids, y = _blobs(2, 10)
    assert gallery.build(pixels, features, np.full_like(ids, -1), y, np.arange(2), 0) is None
