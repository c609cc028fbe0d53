"""What a person labelling clusters at a glance would see: per cluster its size, the label its
majority gave it, its purity and a strip of its digits (those nearest the cluster's centre, then
a few drawn at random), kept in the run record so that the gallery needs no dataset.

Size budget: the MAX_CLUSTERS largest clusters, NEAREST + RANDOM digits each, stored as
zlib-compressed bytes in base64: at most 30 x 12 MNIST digits (282 KB of pixels), about 100 KB
of JSON, in a run record.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from clusterbench.metrics import contingency

MAX_SIDE = 28  # larger digits are kept averaged down to at most this many pixels a side
MAX_CLUSTERS = 30  # the largest clusters; the record says how many there were in all
NEAREST = 8  # members nearest the cluster's centre (the mean of its members' features)
RANDOM = 4  # members drawn at random (seeded) from the others
BASIS = (
    f"the {MAX_CLUSTERS} largest clusters of the training digits (cold run); per cluster the "
    f"{NEAREST} members nearest the mean of its members' clustered features, then {RANDOM} "
    "others drawn at random with the run's seed"
)


def encode(pixels: np.ndarray) -> str:
    raw = np.ascontiguousarray(pixels, np.uint8).tobytes()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode(text: str, count: int, shape: tuple[int, int]) -> np.ndarray:
    raw = zlib.decompress(base64.b64decode(text))
    return np.frombuffer(raw, np.uint8).reshape(count, *shape)


def thumbnails(digits: np.ndarray, side: int) -> np.ndarray:
    """(count, side * side) uint8 digits as (count, s, s) with s <= MAX_SIDE: blocks averaged."""
    images = digits.reshape(-1, side, side)
    step = -(-side // MAX_SIDE)  # ceil
    if step == 1:
        return images
    cut = side - side % step
    blocks = images[:, :cut, :cut].reshape(len(images), cut // step, step, cut // step, step)
    return blocks.mean(axis=(2, 4)).round().astype(np.uint8)


def cluster_sums(features: np.ndarray, ids: np.ndarray, n_clusters: int) -> np.ndarray:
    """(clusters, dims + 1): each cluster's feature sums, and its count in the last column;
    sums over parts of the digits add up (on Dask workers, one per partition)."""
    member = ids >= 0
    sums = np.zeros((n_clusters, features.shape[1] + 1))
    np.add.at(sums[:, :-1], ids[member], features[member].astype(np.float64))
    sums[:, -1] = np.bincount(ids[member], minlength=n_clusters)
    return sums


def centres_of(sums: np.ndarray) -> np.ndarray:
    return sums[:, :-1] / np.maximum(1, sums[:, -1])[:, None]


def distances_to(features: np.ndarray, ids: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each digit's squared distance to its cluster's centre (inf for noise)."""
    member = ids >= 0
    distances = np.full(len(ids), np.inf)
    points = features[member].astype(np.float64)
    distances[member] = ((points - centres[ids[member]]) ** 2).sum(axis=1)
    return distances


def centre_distances(features: np.ndarray, ids: np.ndarray, n_clusters: int) -> np.ndarray:
    """Each digit's squared distance to the mean of its cluster's features (inf for noise)."""
    return distances_to(features, ids, centres_of(cluster_sums(features, ids, n_clusters)))


def build(
    pixels: np.ndarray,
    features: np.ndarray,
    ids: np.ndarray,
    y: np.ndarray,
    cluster_labels: np.ndarray,
    seed: int,
) -> dict[str, Any] | None:
    """The gallery of a clustering of `pixels` (uint8, one digit a row) into `ids` (-1: noise),
    the clusters named `cluster_labels`; None where the digits are not square images or no
    digit is in a cluster."""
    distances = centre_distances(features, ids, len(cluster_labels))
    return build_from(lambda rows: pixels[rows], pixels.shape[1], distances, ids, y,
                      cluster_labels, seed)  # fmt: skip


def build_from(
    pixels_of: Callable[[np.ndarray], np.ndarray],
    n_pixels: int,
    distances: np.ndarray,
    ids: np.ndarray,
    y: np.ndarray,
    cluster_labels: np.ndarray,
    seed: int,
) -> dict[str, Any] | None:
    """`build`, given each digit's distance to its cluster's centre and a way to fetch rows of
    pixels (on Dask workers the digits stay there: only the chosen rows are fetched)."""
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        return None
    rng = np.random.default_rng(seed)
    n_classes = int(y.max()) + 1
    member = ids >= 0
    table = contingency(np, ids[member], y[member], len(cluster_labels), n_classes)
    sizes = table.sum(axis=1)
    largest = np.argsort(-sizes, kind="stable")[:MAX_CLUSTERS]
    chosen: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for c in largest:
        members = np.flatnonzero(ids == c)
        if len(members) == 0:
            continue
        nearest = members[np.argsort(distances[members], kind="stable")[:NEAREST]]
        others = np.setdiff1d(members, nearest)
        drawn = np.sort(rng.choice(others, min(RANDOM, len(others)), replace=False))
        chosen[int(c)] = (members, nearest, drawn)
    if not chosen:
        return None
    rows = np.unique(np.concatenate([np.concatenate(v[1:]) for v in chosen.values()]))
    fetched = dict(zip(rows.tolist(), np.asarray(pixels_of(rows)), strict=True))
    clusters, brightest = [], 0
    for c, (members, nearest, drawn) in chosen.items():
        label = int(cluster_labels[c])
        digits = np.stack([fetched[i] for i in np.concatenate([nearest, drawn]).tolist()])
        images = thumbnails(digits, side)
        brightest = max(brightest, int(images.max()))
        clusters.append(
            {
                "cluster": c,
                "size": len(members),
                "label": label,
                "purity": float(np.mean(y[members] == label)),
                "class_counts": table[c].tolist(),
                "nearest": nearest.tolist(),
                "random": drawn.tolist(),
                "pixels": encode(images),
            }
        )
    return {
        "basis": BASIS,
        "image_shape": list(images.shape[1:]),
        "max_value": brightest,
        "clusters_total": int(len(cluster_labels)),
        "noise": int(np.sum(ids < 0)),
        "clusters": clusters,
    }


def digits_of(gallery: dict[str, Any], cluster: dict[str, Any]) -> np.ndarray:
    """A cluster's chosen digits as (count, height, width) uint8."""
    count = len(cluster["nearest"]) + len(cluster["random"])
    return decode(cluster["pixels"], count, tuple(gallery["image_shape"]))


def caption(cluster: dict[str, Any]) -> str:
    """`cluster 3: 6,012 digits, label 4 (purity 0.52); 4: 52 %, 9: 41 %` (classes over 10 %)."""
    counts = np.asarray(cluster["class_counts"])
    shares = counts / max(1, counts.sum())
    top = [f"{k}: {s:.0%}" for k in np.argsort(-shares, kind="stable") if (s := shares[k]) >= 0.1]
    return (
        f"cluster {cluster['cluster']}: {cluster['size']:,} digits, label {cluster['label']} "
        f"(purity {cluster['purity']:.2f}); " + ", ".join(top)
    )
