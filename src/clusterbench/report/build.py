"""results/README.md, results.csv and the plots, rebuilt from result records alone.

Tables are grouped by machine: each machine's card (CPU, cores, GPU, libraries, commit) heads
its tables, and results from several machines stand side by side. Every timing column names its
basis, and cold and warm figures never share a column. A GPU/CPU speedup pairs a CPU and a GPU
suite of the same machine only, unless the user names a cross-machine pair, which is labelled so.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clusterbench.errors import ClusterbenchError
from clusterbench.outputs import check_directory, check_file
from clusterbench.records import (
    BudgetRecord,
    Environment,
    GridRecord,
    RunRecord,
    ScaleRecord,
    StudyRecord,
    SuiteRecord,
    load_record,
)
from clusterbench.records.provenance import LIBRARIES
from clusterbench.report.html import RunPictures, write_page
from clusterbench.report.markdown import num, table
from clusterbench.report.parity import parity_table
from clusterbench.report.plots import plot_machine
from clusterbench.report.scale import csv_rows as scale_csv_rows
from clusterbench.report.scale import scale_section
from clusterbench.report.studies import study_tables
from clusterbench.report.text import mib, solvers_text
from clusterbench.report.workers import dask_runs_table

STAGES = ("transfer", "pca", "embed", "cluster", "label", "knn")


@dataclass(frozen=True)
class HostPair:
    """Take the CPU suites of `cpu_host` and the GPU suites of `gpu_host` as one machine."""

    cpu_host: str
    gpu_host: str

    @classmethod
    def parse(cls, text: str) -> HostPair:
        cpu, sep, gpu = text.partition(":")
        if not sep or not cpu or not gpu:
            raise ValueError(f"expected CPU_HOST:GPU_HOST, got {text!r}")
        return cls(cpu, gpu)


def newest_suites(suites: list[SuiteRecord]) -> dict[tuple[str, str, str], SuiteRecord]:
    """(host, suite, backend) -> the newest suite record: newest wins within a machine only."""
    newest: dict[tuple[str, str, str], SuiteRecord] = {}
    for s in suites:
        key = (s.environment.host, s.suite, s.backend)
        if key not in newest or s.created > newest[key].created:
            newest[key] = s
    return dict(sorted(newest.items()))


def machine_card(env: Environment) -> list[str]:
    m = env.machine
    blas = ", ".join(f"{p['internal_api']} {p['num_threads']} threads" for p in m.get("blas", []))
    gpu = (
        f"{env.gpu['gpu_name']} ({env.gpu['gpu_memory_bytes'] / 2**30:.0f} GiB)"
        if env.gpu
        else "none"
    )
    libs = ", ".join(f"{k} {v}" for k in LIBRARIES if (v := env.libraries.get(k)))
    return [
        f"- CPU: {m['cpu_model']}, {m['cpu_count']} cores ({m.get('affinity_cpus')} usable); "
        f"native thread pools: {blas or 'none'}",
        f"- GPU: {gpu}",
        f"- Python {m['python']}; {libs}",
        f"- clusterbench {env.clusterbench}",
    ]


def _pipeline_rows(suite: SuiteRecord) -> list[tuple[str, RunRecord]]:
    return [(c.name, c.record) for c in suite.cases if isinstance(c.record, RunRecord)]


def cold_table(suites: list[SuiteRecord]) -> list[str]:
    header = ["suite", "case", "backend", "digits", "load s", *(f"{s} s" for s in STAGES)]
    header += ["total s", "peak host MiB", "peak device MiB"]
    rows = []
    for s in suites:
        for name, r in _pipeline_rows(s):
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
    header = ["suite", "case", "backend", "runs", *(f"{s} s" for s in STAGES), "total s (min-max)"]
    rows = []
    for s in suites:
        for name, r in _pipeline_rows(s):
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
    rows = []
    for s in suites:
        for name, r in _pipeline_rows(s):
            m = r.metrics
            rows.append(
                [s.suite, name, s.backend, num(m["test_accuracy"], 4), num(m["ari"], 4)]
                + [solvers_text(r.solvers)]
            )
    return table(["suite", "case", "backend", "test accuracy", "ARI", "solvers"], rows)


def speedup_table(cpu: SuiteRecord, gpu: SuiteRecord, label: str) -> list[str]:
    """Baseline seconds / other seconds per stage (`cpu` the baseline, `gpu` the backend
    measured against it): warm medians of both sides, the cold ratio beside. Seeded UMAP cases
    are accuracy rows (both libraries' slow deterministic paths) and get no speedup."""
    rows = []
    gpu_cases = dict(_pipeline_rows(gpu))
    for name, c in _pipeline_rows(cpu):
        g = gpu_cases.get(name)
        if g is None or c.params.get("umap_mode") == "deterministic":
            continue
        cw, gw = c.timing.warm_spread(), g.timing.warm_spread()

        def ratio(a: float | None, b: float | None) -> str:
            return f"{a / b:.1f}" if a and b else ""

        rows.append(
            [cpu.suite, name]
            + [
                ratio(cw[st].median, gw[st].median) if st in cw and st in gw else ""
                for st in STAGES
            ]
            + [
                ratio(cw["total"].median, gw["total"].median) if cw and gw else "",
                ratio(c.timing.cold.total_s, g.timing.cold.total_s),
                f"{num(c.metrics['test_accuracy'], 4)} / {num(g.metrics['test_accuracy'], 4)}",
            ]
        )
    header = ["suite", "case", *(f"{s} x (warm)" for s in STAGES), "total x (warm medians)"]
    header += ["total x (cold)", f"accuracy {cpu.backend} / {gpu.backend}"]
    return [f"{label}", "", *table(header, rows)]


def budget_table(suites: list[SuiteRecord]) -> list[str]:
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


def _has_runs(suite: SuiteRecord) -> bool:
    """Whether the suite has cases other than scale cases (which have their own section)."""
    return any(not isinstance(c.record, ScaleRecord) for c in suite.cases)


def machine_section(
    host: str, suites: list[SuiteRecord], pairs: list[tuple[SuiteRecord, SuiteRecord, str]],
    out_dir: Path,
) -> tuple[list[str], list[Path]]:  # fmt: skip
    # The card: a GPU suite's environment names the GPU as well as the CPU.
    env = next((s.environment for s in suites if s.environment.gpu), suites[0].environment)
    md = [f"## Machine `{host}`", "", *machine_card(env)]
    commits = {
        f"{s.suite}/{s.backend}": (s.environment.code.get("commit") or "unknown")[:10]
        + (" (dirty)" if s.environment.code.get("dirty") else "")
        for s in suites
    }
    md += ["- records: " + ", ".join(f"{k} at commit {v}" for k, v in commits.items()), ""]
    scale_md, scale_pngs = scale_section(host, suites, out_dir)
    suites = [s for s in suites if _has_runs(s)]
    if not suites:  # scale suites only
        return md + scale_md, scale_pngs
    pairs = [(cpu, gpu, label) for cpu, gpu, label in pairs if _has_runs(cpu) and _has_runs(gpu)]
    md += [
        "### Cold run: seconds per stage",
        "",
        "The first fit+predict of each case in its process (on a GPU: with context creation and "
        "JIT compilation). `load` (reading, checking and splitting the data) is apart and in no "
        "total; `total` is the fit+predict wall time. Peak memory: the largest over the cold "
        "run's stages of the process's peak resident set and of the device's used memory (the "
        "record has each stage's).",
        "",
        *cold_table(suites),
        "",
        "### Warm runs: median seconds per stage",
        "",
        "Later fit+predict runs in the same process on the loaded data; the total's range is "
        "over those runs.",
        "",
        *warm_table(suites),
    ]
    grids = grid_table(suites)
    if grids:
        md += ["", "### DBSCAN grids (one cold run each)", ""]
        md += [
            "For the sweep engine, graph s is the neighbour graph, built on the backend (cuML's "
            "on the GPU), and host sweep s the graph sent to host CPU workers and every "
            "configuration's labelling and scoring there, on every backend; both are part of "
            "compute s.",
            "",
            *grids,
        ]
    md += ["", "### Accuracy", "", *accuracy_table(suites)]
    parity = parity_table(pairs)
    if parity:
        md += ["", "### Parity between backends (clusterbench compare's verdict)", ""]
        md += ["The same data, split, seed and parameters, and test accuracy and ARI within the "
               "tolerance policy (README: Tolerances).", "", *parity]  # fmt: skip
    for cpu, gpu, label in pairs:
        md += ["", *speedup_table(cpu, gpu, label)]
    budgets = budget_table(suites)
    if budgets:
        md += ["", "### Labelling budget: test accuracy against clusters labelled", "", *budgets]
    pngs = plot_machine(host, suites, pairs, out_dir)
    md += ["", *(f"![{p.stem}]({p.name})" for p in pngs)]
    if scale_md:
        md += ["", *scale_md]
    return md, pngs + scale_pngs


def runs_table(runs: list[RunRecord]) -> list[str]:
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


BASELINES = ("cpu", "cpu-intelex")  # stock scikit-learn, and the best CPU software we run
ORDER = ("cpu", "cpu-intelex", "gpu", "gpu-accel")


def speedup_pairs(
    suites: dict[tuple[str, str, str], SuiteRecord], cross: list[HostPair]
) -> dict[str, list[tuple[SuiteRecord, SuiteRecord, str]]]:
    """Per host: (baseline suite, other suite, label) of the same machine, every other backend
    against both stock and accelerated CPU, plus the named cross pairs (listed under the GPU's
    host)."""
    pairs: dict[str, list[tuple[SuiteRecord, SuiteRecord, str]]] = {}
    for (host, suite, backend), cpu in suites.items():
        if backend not in BASELINES:
            continue
        for other in ORDER[ORDER.index(backend) + 1 :]:
            faster = suites.get((host, suite, other))
            if faster is not None:
                label = f"### Speedup of `{other}` over `{backend}`, {suite} suite, same machine"
                pairs.setdefault(host, []).append((cpu, faster, label))
        for pair in cross:
            for gpu_backend in ("gpu", "gpu-accel"):
                other = suites.get((pair.gpu_host, suite, gpu_backend))
                if pair.cpu_host == host and other is not None:
                    label = (
                        f"### Cross-machine speedup of `{gpu_backend}` over `{backend}`, {suite} "
                        f"suite: CPU of `{host}`, GPU of `{pair.gpu_host}` (different machines, "
                        "named with --pair)"
                    )
                    pairs.setdefault(pair.gpu_host, []).append((cpu, other, label))
    return pairs


def csv_rows(suites: list[SuiteRecord]) -> list[dict[str, Any]]:
    """One row per case, backend and basis (load, cold, warm median): bases never share a row."""
    rows = []
    for s in suites:
        env = s.environment
        base = {
            "host": env.host,
            "cpu": env.machine["cpu_model"],
            "cores": env.machine["cpu_count"],
        }
        base["gpu"] = env.gpu["gpu_name"] if env.gpu else ""
        rows += scale_csv_rows([s], base)
        for name, r in _pipeline_rows(s):
            common = {**base, "suite": s.suite, "case": name, "backend": s.backend}
            common |= {"n_train": r.data.n_train, "test_accuracy": r.metrics["test_accuracy"]}
            common["ari"] = r.metrics["ari"]
            rows.append({**common, "basis": "load", "runs": 1, "load_s": r.timing.load_s})
            cold = {f"{st}_s": r.timing.cold.stages.get(st) for st in STAGES}
            rows.append(
                {**common, "basis": "cold", "runs": 1, **cold, "total_s": r.timing.cold.total_s}
            )
            spread = r.timing.warm_spread()
            if spread:
                warm = {f"{st}_s": spread[st].median for st in STAGES if st in spread}
                total = spread["total"]
                rows.append(
                    {**common, "basis": "warm median", "runs": total.count, **warm}
                    | {"total_s": total.median, "total_min_s": total.min, "total_max_s": total.max}
                )
    return rows


DEFAULT_OUT = Path("results")


def build_report(
    paths: list[Path],
    out_dir: Path = DEFAULT_OUT,
    cross: list[HostPair] | None = None,
    html: Path | None = None,
) -> list[Path]:
    """results/README.md, results.csv and PNG plots, from result files alone; with `html`, the
    same tables and plots as one self-contained page, with each run's clusters drawn."""
    check_directory(out_dir, "--out")
    if html is not None:
        check_file(html, "--html")
    loaded = [(p, load_record(p)) for p in paths]
    for path, record in loaded:
        if isinstance(record, BudgetRecord | GridRecord):
            raise ClusterbenchError(
                f"{path}: a {record.KIND} record on its own has no table in the report; run it "
                "in a suite (clusterbench bench), or compare it with clusterbench compare"
            )
    suites = newest_suites([r for _, r in loaded if isinstance(r, SuiteRecord)])
    runs = [r for _, r in loaded if isinstance(r, RunRecord)]
    studies = [r for _, r in loaded if isinstance(r, StudyRecord)]
    out_dir.mkdir(parents=True, exist_ok=True)
    pairs = speedup_pairs(suites, cross or [])
    md = [
        "# Results",
        "",
        "Generated by `clusterbench report` from the result files listed at the end; do not edit "
        "by hand. Each machine's tables are headed by its card; cold and warm timings are in "
        "separate tables; speedups divide warm medians of a CPU and a GPU suite of the same "
        "machine (the cold ratio beside them).",
        "",
    ]
    written: list[Path] = []
    pictures: list[RunPictures] = []
    hosts = sorted({host for host, _, _ in suites} | {r.environment.host for r in runs})
    for host in hosts:
        host_suites = [s for (h, _, _), s in suites.items() if h == host]
        host_runs = [r for r in runs if r.environment.host == host]
        pictures += [
            RunPictures(host, f"{s.suite} suite, case {name}, {s.backend}", r)
            for s in host_suites
            for name, r in _pipeline_rows(s)
        ]
        pictures += [
            RunPictures(host, f"{path.name}", r)
            for path, r in loaded
            if isinstance(r, RunRecord) and r.environment.host == host
        ]
        if host_suites:
            section, pngs = machine_section(host, host_suites, pairs.get(host, []), out_dir)
            md += [*section, ""]
            written += pngs
        else:
            md += [f"## Machine `{host}`", "", *machine_card(host_runs[0].environment), ""]
        alone = [r for r in host_runs if r.cluster is None]
        on_workers = [r for r in host_runs if r.cluster is not None]
        if alone:
            md += ["### Single runs (clusterbench run --json)", "", *runs_table(alone), ""]
        if on_workers:
            md += ["### Runs on Dask workers (clusterbench run --scheduler)", ""]
            md += ["The cold run (the first fit+predict on the workers: started for the run "
                   "with --scheduler local, a running scheduler's otherwise); peak memory per "
                   "worker is each worker process's peak resident set (VmHWM) over the stages; "
                   "the client's is the process that ran the command.",
                   "", *dask_runs_table(on_workers), ""]  # fmt: skip
    if not hosts:
        md += ["No suite record was given.", ""]
    for study in studies:
        md += study_tables(study)
    csv_path = out_dir / "results.csv"
    rows = csv_rows(list(suites.values()))
    fields = list(dict.fromkeys(k for row in rows for k in row)) or ["host", "suite", "case"]
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    md += ["", "Source files: " + ", ".join(f"`{p.name}`" for p, _ in loaded), ""]
    if html is not None:
        written.append(write_page(md, out_dir, pictures, html))
        link = Path(os.path.relpath(html.absolute(), out_dir.absolute())).as_posix()
        md[4:4] = [
            f"The same tables and plots as one page, with each run's confusion matrix and "
            f"cluster gallery: [{html.name}]({link}) (self-contained: it opens offline).",
            "",
        ]
    readme = out_dir / "README.md"
    readme.write_text("\n".join(md))
    return [readme, csv_path, *written]
