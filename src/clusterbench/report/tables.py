"""The per-stage tables of a machine's section: cold and warm timings, DBSCAN grids, accuracy,
labelling budgets, and single runs. Cold and warm figures never share a column."""

from __future__ import annotations

from clusterbench.records import BudgetRecord, GridRecord, RunRecord, SuiteRecord
from clusterbench.report.markdown import num, table
from clusterbench.report.text import mib, solvers_text

STAGES = ("transfer", "pca", "embed", "cluster", "label", "knn")


def run_cases(suite: SuiteRecord) -> list[tuple[str, RunRecord]]:
    """(case name, record) of the suite's pipeline runs: the cases the stage tables show."""
    return [(c.name, c.record) for c in suite.cases if isinstance(c.record, RunRecord)]


def cold_table(suites: list[SuiteRecord]) -> list[str]:
    """Each case's first fit+predict per stage, with load apart and the peak memory."""
    header = ["suite", "case", "backend", "digits", "load s", *(f"{s} s" for s in STAGES)]
    header += ["total s", "peak host MiB", "peak device MiB"]
    rows = []
    for s in suites:
        for name, r in run_cases(s):
            peaks = r.memory.values()
            host = max((p.get("peak_host_rss_bytes", 0) for p in peaks), default=None)
            device = max((p.get("peak_device_used_bytes", 0) for p in peaks), default=0)
            rows.append(
                [s.suite, name, s.backend, str(r.data.n_train), num(r.timing.load_s)]
                + [num(r.timing.cold.stages.get(st)) for st in STAGES]
                + [num(r.timing.cold.total_s), mib(host), mib(device) if device else ""]
            )
    return table(header, rows)


def warm_table(suites: list[SuiteRecord]) -> list[str]:
    """Median seconds per stage of the later runs, with the total's range over them."""
    header = ["suite", "case", "backend", "runs", *(f"{s} s" for s in STAGES), "total s (min-max)"]
    rows = []
    for s in suites:
        for name, r in run_cases(s):
            spread = r.timing.warm_spread()
            if not spread:
                continue
            total = spread["total"]
            rows.append(
                [s.suite, name, s.backend, str(total.count)]
                + [num(spread[st].median) if st in spread else "" for st in STAGES]
                + [f"{total.median:.2f} ({total.min:.2f}-{total.max:.2f})"]
            )
    return table(header, rows) if rows else ["No case has warm runs."]


def grid_table(suites: list[SuiteRecord]) -> list[str]:
    """One row per DBSCAN grid case (one cold run each); empty when the suites have none."""
    rows = []
    for s in suites:
        for c in s.cases:
            g = c.record
            if isinstance(g, GridRecord) and g.timing is not None:
                best, score = g.best(), g.header["score"]
                rows.append(
                    [s.suite, c.name, s.backend, g.header["engine"], str(len(g.rows))]
                    + [num(g.timing.data_pca_s), num(g.timing.cluster_startup_s)]
                    + [num(g.timing.compute_s), num(g.timing.graph_s), num(g.timing.host_sweep_s)]
                    + [f"{score} {num(best[score], 4)}" if best else ""]
                )
    header = ["suite", "case", "backend", "engine", "configurations", "data+PCA s"]
    header += ["Dask start-up s", "compute s", "graph s", "host sweep s", "best (by its score)"]
    return table(header, rows) if rows else []


def accuracy_table(suites: list[SuiteRecord]) -> list[str]:
    """Test accuracy, ARI and the solvers each case used."""
    rows = []
    for s in suites:
        for name, r in run_cases(s):
            m = r.metrics
            rows.append(
                [s.suite, name, s.backend, num(m["test_accuracy"], 4), num(m["ari"], 4)]
                + [solvers_text(r.solvers)]
            )
    return table(["suite", "case", "backend", "test accuracy", "ARI", "solvers"], rows)


def budget_table(suites: list[SuiteRecord]) -> list[str]:
    """Test accuracy against clusters labelled (one column per K); empty without budgets."""
    budgets = [(s, c) for s in suites for c in s.cases if isinstance(c.record, BudgetRecord)]
    if not budgets:
        return []
    ks = sorted({p.clusters for _, c in budgets for p in c.record.points})
    rows = []
    for s, c in budgets:
        acc = {p.clusters: p.test_accuracy for p in c.record.points}
        rows.append(
            [s.suite, s.backend, c.record.method, solvers_text(c.record.solvers)]
            + [str(c.record.data.n_train), num(c.record.embed_s, 1)]
            + [num(acc.get(k), 4) for k in ks]
        )
    header = ["suite", "backend", "method", "solvers", "digits", "embedding s (cold)"]
    return table(header + [f"K={k}" for k in ks], rows)


def runs_table(runs: list[RunRecord]) -> list[str]:
    """Single runs (clusterbench run --json), one row each with its commit."""
    header = ["method", "backend", "data", "digits", "test accuracy", "ARI", "clusters"]
    header += ["solvers", "load s", "cold cluster s", "cold total s"]
    header += ["warm total s: median (min-max, runs)", "commit"]
    rows = []
    for r in runs:
        spread = r.timing.warm_spread().get("total")
        warm = (
            f"{spread.median:.2f} ({spread.min:.2f}-{spread.max:.2f}, {spread.count})"
            if spread
            else ""
        )
        code = r.environment.code if r.environment else {}
        commit = (code.get("commit") or "unknown")[:7] + (" (dirty)" if code.get("dirty") else "")
        rows.append(
            [r.method, r.backend, f"{r.data.dataset} ({r.data.protocol})", str(r.data.n_train)]
            + [num(r.metrics["test_accuracy"], 4), num(r.metrics["ari"], 4)]
            + [str(r.metrics.get("n_clusters", "")), solvers_text(r.solvers)]
            + [num(r.timing.load_s)]
            + [num(r.timing.cold.stages.get("cluster")), num(r.timing.cold.total_s), warm, commit]
        )
    return table(header, rows)
