"""A run's pictures, from its record alone: the cluster gallery (a strip of digits per cluster
under its size, label and purity) and the confusion matrix as a heatmap."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from clusterbench.pipeline import gallery
from clusterbench.records import RunRecord
from clusterbench.report.plots import _pyplot

GAP = 2  # pixels between digits in a strip (in image pixels)
SEPARATOR = 10  # between the nearest digits and the random ones


def strip(record_gallery: dict[str, Any], cluster: dict[str, Any]) -> np.ndarray:
    """The cluster's digits side by side, scaled to [0, 1]; NaN gaps (drawn blank)."""
    digits = gallery.digits_of(record_gallery, cluster).astype(np.float64)
    digits /= max(1, record_gallery["max_value"])
    height, width = digits.shape[1:]
    nearest = len(cluster["nearest"])
    pieces = []
    for i, digit in enumerate(digits):
        if i:
            gap = SEPARATOR if i == nearest else GAP
            pieces.append(np.full((height, gap), np.nan))
        pieces.append(digit)
    return np.hstack(pieces)


def _title(record: RunRecord, what: str) -> str:
    return (
        f"{what}: {record.method} on {record.data.dataset} ({record.data.n_train:,} training "
        f"digits), {record.backend}; test accuracy {record.metrics['test_accuracy']:.3f}"
    )


def gallery_figure(record: RunRecord) -> Any:
    """The gallery as a matplotlib figure (ValueError where the record has none)."""
    g = record.gallery
    if not g:
        raise ValueError(
            "the record has no gallery (of digits that are not square images, or written by "
            "an older clusterbench)"
        )
    plt = _pyplot()
    rows = g["clusters"]
    strips = [strip(g, c) for c in rows]
    width = max(s.shape[1] for s in strips)
    fig, axes = plt.subplots(len(rows), 1, figsize=(9, 0.25 + 1.0 * len(rows)), squeeze=False)
    for ax, c, s in zip(axes[:, 0], rows, strips, strict=True):
        ax.imshow(s, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_axis_off()
        ax.set_title(gallery.caption(c), fontsize=8, loc="left")
    shown = len(rows)
    more = (
        f"; the {shown} largest of {g['clusters_total']} clusters"
        if shown < g["clusters_total"]
        else ""
    )
    if g["noise"]:
        more += f"; {g['noise']:,} training digits are noise (in no cluster)"
    fig.suptitle(
        _title(record, "Clusters")
        + f"\nleft: up to {gallery.NEAREST} digits nearest each cluster's centre; right: up "
        f"to {gallery.RANDOM} others at random{more}",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def confusion_figure(record: RunRecord) -> Any:
    plt = _pyplot()
    matrix = np.asarray(record.metrics["confusion_matrix"])
    fig, ax = plt.subplots(figsize=(5, 4.4))
    shares = matrix / np.maximum(1, matrix.sum(axis=1, keepdims=True))
    image = ax.imshow(shares, cmap="viridis", vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            colour = "black" if shares[i, j] > 0.6 else "white"
            ax.text(j, i, str(value), ha="center", va="center", fontsize=6, color=colour)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    fig.colorbar(image, ax=ax, label="share of the true label's test digits")
    ax.set_title(f"{record.method}, {record.backend}: test digits", fontsize=9)
    fig.tight_layout()
    return fig


def png_bytes(fig: Any, dpi: int = 100) -> bytes:
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def write_gallery(record: RunRecord, path: Path) -> Path:
    image = png_bytes(gallery_figure(record))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image)
    return path
