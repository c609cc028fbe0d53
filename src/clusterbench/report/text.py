"""Plain-text views of records, as the commands print them (built from the record alone)."""

from __future__ import annotations

from typing import Any

from clusterbench.records import RunRecord, Timing


def fmt(value: Any, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def mib(value: int | None) -> str:
    return "" if value is None else f"{value / 2**20:.0f}"


def format_timing(timing: Timing) -> list[str]:
    """Cold run per stage, warm runs' median (min-max) per stage: never one mixed line."""
    cold = timing.cold
    lines = [
        f"  load (s)            {timing.load_s:.2f}  (reading and splitting; in no total)",
        "  cold run (s)        "
        + "  ".join(f"{k} {v:.2f}" for k, v in cold.stages.items())
        + f"  total {cold.total_s:.2f}",
    ]
    spread = timing.warm_spread()
    if spread:
        lines.append(
            f"  warm runs (s)       {spread['total'].count} runs, median (min-max): "
            + "  ".join(f"{k} {s.median:.2f} ({s.min:.2f}-{s.max:.2f})" for k, s in spread.items())
        )
    return lines


def accelerated(record: RunRecord) -> list[str]:
    """The steps scikit-learn-intelex's own estimators ran."""
    return sorted(k for k, v in record.implementations.items() if v.startswith("sklearnex."))


SOLVER_NAMES = {"umap": "UMAP", "eigensolver": "eigensolver"}


def solvers_text(solvers: dict[str, str]) -> str:
    """The paths a run's implementations took, as the report and `run` show them ("UMAP fast,
    eigensolver lanczos"); empty for a record that has none (older ones)."""
    ordered = sorted(solvers, key=lambda k: (k != "umap", k))  # the UMAP mode first
    return ", ".join(f"{SOLVER_NAMES.get(k, k)} {solvers[k]}" for k in ordered)


def format_run(record: RunRecord) -> str:
    """The result table `clusterbench run` prints."""
    m, d = record.metrics, record.data
    params = ", ".join(f"{k}={v}" for k, v in record.params.items())
    lines = [
        f"clusterbench: {record.method} on {d.dataset} ({d.protocol}), "
        f"{d.n_train} train / {d.n_test} test digits, backend {record.backend}",
        f"  params              {params}",
        *([f"  solvers             {solvers_text(record.solvers)}"] if record.solvers else []),
        *(
            [f"  accelerated         {', '.join(accelerated(record))} (oneDAL; others stock)"]
            if record.backend == "cpu-intelex"
            else []
        ),
        f"  test accuracy       {fmt(m['test_accuracy'])}",
        f"  ARI                 {fmt(m['ari'])}",
        f"  NMI                 {fmt(m['nmi'])}",
        f"  Rand index          {fmt(m['rand_index'])}",
        f"  silhouette          {fmt(m['silhouette'])}",
        f"  clusters            {m['n_clusters']} ({100 * m['clustered_fraction']:.1f} % of "
        f"training digits clustered, {100 * m['noise_fraction']:.1f} % noise)",
        f"  train purity        {fmt(m['train_purity'])}",
        "  per-class accuracy  "
        + "  ".join(f"{c}: {fmt(a, 3)}" for c, a in m["per_class_accuracy"].items()),
        *format_timing(record.timing),
        "  peak memory (MiB)   "
        + "  ".join(
            f"{stage} {mib(p.get('peak_host_rss_bytes'))}"
            + (
                f"/{mib(p['peak_device_used_bytes'])} device"
                if "peak_device_used_bytes" in p
                else ""
            )
            for stage, p in record.memory.items()
        )
        + "  (host resident set, cold run)",
    ]
    lines.append("  confusion matrix (rows: true label, columns: predicted)")
    lines += ["    " + " ".join(f"{v:5d}" for v in row) for row in m["confusion_matrix"]]
    return "\n".join(lines)


def format_grid(outcome: Any) -> str:
    """What `clusterbench grid` prints: the file's size, this run's timing, the best and top 10."""
    from clusterbench.grid.summary import top_table

    grid = outcome.record
    score, rows, best, timing = grid.header["score"], grid.rows, grid.best(), grid.timing
    split = (
        f" ({timing.graph_s:.1f} s the neighbour graph on the {grid.header['backend']}, "
        f"{timing.host_sweep_s:.1f} s the sweep on host CPU workers)"
        if timing.graph_s is not None and timing.host_sweep_s is not None
        else ""
    )
    lines = [
        f"grid: {len(rows)} configurations in {outcome.path} ({grid.n_failed} failed); this run: "
        f"{outcome.ran} configurations, {timing.compute_s:.1f} s computing{split}, "
        f"{timing.cluster_startup_s:.1f} s starting Dask, {timing.data_pca_s:.1f} s data and PCA"
    ]
    if best is None:
        lines.append(f"no configuration has a {score} score (every one failed or found no cluster)")
    else:
        lines.append(
            f"best {score} {best[score]:.4f} at eps {best['eps']:.4f}, min_samples "
            f"{best['min_samples']} ({best['n_clusters']} clusters, "
            f"{100 * best['noise_fraction']:.1f} % noise)"
        )
        lines.append(top_table(rows, score))
    lines.append(f"heatmap: {outcome.png}")
    return "\n".join(lines)
