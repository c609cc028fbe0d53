"""The report's tables of the studies made by bench/ scripts: grid engines, UMAP defaults, test
threshold margins, the InfiMNIST generator (each from its study record alone)."""

from __future__ import annotations

from typing import Any

from clusterbench.records import StudyRecord
from clusterbench.report.markdown import num, table


def study_tables(study: StudyRecord) -> list[str]:
    r, host = study.results, study.environment.host
    if study.kind == "grid-engines":
        return [
            "",
            f"## DBSCAN grid: sweep engine vs loop engine (`{host}`)",
            "",
            *table(
                ["dataset", "configurations", "sweep s (median)", "loop s (extrapolated)"]
                + ["speedup", "identical labels", "best ARI"],
                [
                    [
                        f"{r['dataset']} ({r['protocol']}, PCA-{r['n_components']})",
                        str(r["grid"]["n_configs"]),
                        num(r["sweep"]["median_s"], 1),
                        num(r["loop"]["extrapolated_total_s"], 0),
                        f"{r['speedup']:.0f}x",
                        f"{r['identical_labels']['identical']}/{r['identical_labels']['checked']}",
                        num(r["sweep"]["best"]["ari"], 4),
                    ]
                ],
            ),
        ]
    if study.kind == "infimnist":
        return _infimnist_tables(r, host)
    if study.kind == "tolerance-spread":
        return _tolerance_spread_tables(r, host)
    if study.kind == "umap-defaults":
        return _umap_defaults_tables(r, host)
    if study.kind == "threshold-margins":
        rows = [
            [case["test"].split("::", 1)[1], metric, num(s["threshold"], 3), num(s["min"], 4)]
            + [num(s["max"], 4), f"{s['margin']:+.4f}"]
            for case in r["cases"]
            for metric, s in case["summary"].items()
        ]
        seeds = r["cases"][0]["seeds"] if r["cases"] else []
        return [
            "",
            f"## Test thresholds and their margins over seeds {seeds} (`{host}`)",
            "",
            *table(["test", "metric", "threshold", "min", "max", "margin"], rows),
        ]
    return []


def _tolerance_spread_tables(r: dict[str, Any], host: str) -> list[str]:
    """bench/tolerance_spread.py: the fast UMAP path's run-to-run spread, and the gap a change
    of eigensolver makes to spectral clustering (the tolerance policy's measured rows)."""
    u, e = r["umap"], r["eigensolver"]
    data = f"{r['dataset']}, {r['n_train']:,} training digits, seed {r['seed']}"
    rows = [
        [method, metric, num(s["fast"]["min"], 4), num(s["fast"]["max"], 4)]
        + [num(s["fast"]["range"], 4), num(s["deterministic"], 4)]
        for method, by_metric in u["spread"].items()
        for metric, s in by_metric.items()
    ]
    a, b = e["compared"]
    gaps = [
        [str(x["seed"]), f"{num(x[a]['test_accuracy'], 4)} / {num(x[b]['test_accuracy'], 4)}"]
        + [f"{num(x[a]['ari'], 4)} / {num(x[b]['ari'], 4)}"]
        + [f"{num(x[a]['seconds'], 1)} / {num(x[b]['seconds'], 1)}"]
        for x in e["runs"]
    ]
    return [
        "",
        f"## Tolerance policy: measured spreads ({data}; `{host}`)",
        "",
        f"UMAP unseeded (`--umap-mode fast`), {u['fast_runs']} runs on the same split, PCA "
        "and seed, beside the seeded run:",
        "",
        *table(["method", "metric", "fast min", "fast max", "fast range", "deterministic"], rows),
        "",
        f"Spectral clustering with the eigensolver changed ({a} / {b}), nothing else:",
        "",
        *table(["seed", "test accuracy", "ARI", "seconds"], gaps),
    ]


def _umap_defaults_tables(r: dict[str, Any], host: str) -> list[str]:
    """Validation accuracy of the UMAP methods' candidate defaults (training digits only)."""
    kmeans = [x for x in r["rows"] if x.get("method", "umap-kmeans") == "umap-kmeans"]
    hdbscan = [x for x in r["rows"] if x.get("method") == "umap-hdbscan"]
    md = ["", f"## UMAP defaults: validation accuracy ({r['split']}; `{host}`)", ""]
    settings = sorted({(x["umap_neighbors"], x["clusters"]) for x in kmeans})
    knns = sorted({x["knn"] for x in kmeans})
    accuracy = {
        (x["umap_neighbors"], x["clusters"], x["knn"]): x["validation_accuracy"] for x in kmeans
    }
    md += table(
        ["umap-kmeans: UMAP neighbours", "clusters", *(f"KNN k={k}" for k in knns)],
        [[str(n), str(c), *(num(accuracy.get((n, c, k)), 4) for k in knns)] for n, c in settings],
    )
    if hdbscan:
        header = ["umap-hdbscan: UMAP neighbours", "selection", "min_cluster_size"]
        header += ["clusters found", "clustered", "KNN k", "validation accuracy"]
        md += [
            "",
            *table(
                header,
                [
                    [str(x["umap_neighbors"]), x["hdbscan_selection"], str(x["min_cluster_size"])]
                    + [str(x["clusters_found"]), num(x["clustered_fraction"], 3), str(x["knn"])]
                    + [num(x["validation_accuracy"], 4)]
                    for x in hdbscan
                ],
            ),
        ]
    return md


def _infimnist_tables(r: dict[str, Any], host: str) -> list[str]:
    """The generator's sanity figure, its rate and a cached read, and its picture."""
    sanity, rate = r["sanity"], r["rate"]
    first, last = sanity["index_range"]
    return [
        "",
        f"## InfiMNIST-style digits: do they stay digits, and how fast are they made (`{host}`)",
        "",
        *table(
            ["what", "value"],
            [
                [
                    f"3-NN accuracy on {sanity['sample']:,} generated digits "
                    f"(seeded, indices {first:,}-{last - 1:,})",
                    num(sanity["generated_accuracy"], 4),
                ],
                [
                    f"the same classifier on {sanity['sample']:,} MNIST test digits",
                    num(sanity["mnist_test_accuracy"], 4),
                ],
                [
                    "generated digits whose nearest training digit is their source",
                    num(sanity["nearest_is_source"], 4),
                ],
                [
                    f"generating {rate['n']:,} digits ({rate['workers']} Dask workers)",
                    f"{rate['generate_s']:.0f} s, {rate['digits_per_s']:,.0f} digits/s",
                ],
                ["reading them again from the cache", f"{rate['cached_read_s']:.1f} s"],
            ],
        ),
        "",
        f"![{r['gallery']['file']}]({r['gallery']['file']})",
    ]
