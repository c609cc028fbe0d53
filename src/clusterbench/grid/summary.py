"""What a grid file says: the best configuration, the top 10, and a heatmap of the score."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from clusterbench.errors import ConfigError, DataError
from clusterbench.records import GridRecord, load_record
from clusterbench.records.grid_file import scored


def best_config(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The grid file's header and its best row by the score it was run with."""
    grid = load_record(path)
    if not isinstance(grid, GridRecord):
        raise DataError(f"{path}: not a grid file")
    best = grid.best()
    if best is None:
        raise DataError(f"{path}: no finished configuration with a {grid.header['score']} score")
    return grid.header, best


def top_table(rows: list[dict[str, Any]], score: str, n: int = 10) -> str:
    lines = [
        f"{'rank':>4}  {'eps':>7}  {'min_samples':>11}  {score:>10}  {'clusters':>8}  "
        f"{'noise':>6}  {'fit s':>7}"
    ]
    for i, r in enumerate(scored(rows, score)[:n], start=1):
        lines.append(
            f"{i:>4}  {r['eps']:>7.3f}  {r['min_samples']:>11}  {r[score]:>10.4f}  "
            f"{r['n_clusters']:>8}  {100 * r['noise_fraction']:>5.1f}%  {r['fit_s']:>7.2f}"
        )
    return "\n".join(lines)


def heatmap(header: dict[str, Any], rows: list[dict[str, Any]], path: Path) -> None:
    """PNG of the score over eps (x) and min_samples (y); failed cells stay blank."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    score = header["score"]
    eps = sorted({r["eps"] for r in rows})
    mins = sorted({r["min_samples"] for r in rows})
    grid = np.full((len(mins), len(eps)), np.nan)
    for r in scored(rows, score):
        grid[mins.index(r["min_samples"]), eps.index(r["eps"])] = r[score]
    fig, ax = plt.subplots(figsize=(10, 6))
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", interpolation="nearest")
    fig.colorbar(image, ax=ax, label=score.upper())
    step_x, step_y = max(1, len(eps) // 10), max(1, len(mins) // 10)
    ax.set_xticks(range(0, len(eps), step_x), [f"{e:.2f}" for e in eps[::step_x]])
    ax.set_yticks(range(0, len(mins), step_y), [str(m) for m in mins[::step_y]])
    ranked = scored(rows, score)
    if ranked:
        best = ranked[0]
        ax.plot(eps.index(best["eps"]), mins.index(best["min_samples"]), "r*", markersize=14)
        ax.set_title(
            f"DBSCAN {score.upper()} on {header['dataset']} ({header['protocol']}), "
            f"PCA-{header['n_components']}; best {best[score]:.4f} at eps {best['eps']:.3f}, "
            f"min_samples {best['min_samples']}"
        )
    ax.set_xlabel("eps")
    ax.set_ylabel("min_samples")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# What a grid's rows depend on, as a run's config and option: taken from the grid file.
_FROM_GRID = {
    "dataset": ("--dataset", "dataset"),
    "protocol": ("--protocol", "protocol"),
    "subsample": ("--subsample", "subsample"),
    "n_components": ("--pca", "n_components"),
    "seed": ("--seed", "seed"),
}
_CHOSEN_BY_GRID = {"eps": "--eps", "min_samples": "--min-samples"}


def run_config_from_grid(config: Any, path: Path, given: Collection[str], log: Any) -> Any:
    """`config` (a RunConfig of --method dbscan) set to the grid's best eps and min_samples with
    everything its rows depend on: its dataset (checked by fingerprint once loaded), protocol,
    subsample, PCA and seed. A setting in `given` (set by the user) with another value than
    the grid's is refused: the result would not be the grid's."""
    if config.method != "dbscan":
        raise ConfigError("--from-grid needs --method dbscan")
    header, best = best_config(path)
    if not best.get("n_clusters"):
        raise ConfigError(f"{path}: no configuration of the grid found a cluster")
    params = config.params
    for name, option in _CHOSEN_BY_GRID.items():
        if name in given and getattr(params, name) != best[name]:
            raise ConfigError(
                f"{option} {getattr(params, name)} differs from the grid's best {best[name]} in "
                f"{path}; leave {option} out to take the grid's"
            )
    current = {
        "dataset": config.dataset,
        "protocol": config.protocol,
        "subsample": config.subsample,
        "n_components": params.n_components,
        "seed": params.seed,
    }
    for name, (option, key) in _FROM_GRID.items():
        if name in given and current[name] != header[key]:
            raise ConfigError(
                f"{option} {current[name]} differs from the grid's {header[key]} in {path}; "
                f"leave {option} out to take the grid's"
            )
    log(
        f"from {path}: eps {best['eps']:.4f}, min_samples {best['min_samples']}, "
        f"PCA-{header['n_components']}, seed {header['seed']}, {header['protocol']} protocol "
        f"({header['score']} {best[header['score']]:.4f})"
    )
    return replace(
        config,
        dataset=header["dataset"],
        protocol=header["protocol"],
        subsample=header["subsample"],
        params=replace(
            params,
            eps=best["eps"],
            min_samples=best["min_samples"],
            n_components=header["n_components"],
            seed=header["seed"],
        ),
        expected_fingerprint=header["dataset_fingerprint"],
    )
