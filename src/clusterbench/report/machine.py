"""One machine's section of the report: its card, then its suites' tables and plots, then its
single runs.

Each machine's card (CPU, cores, GPU, libraries, commit) heads its tables, so that results from
several machines stand side by side without being mixed.
"""

from __future__ import annotations

from pathlib import Path

from clusterbench.records import Environment, RunRecord, ScaleRecord, SuiteRecord
from clusterbench.records.provenance import LIBRARIES
from clusterbench.report.parity import parity_table
from clusterbench.report.plots import plot_machine
from clusterbench.report.scale import scale_section
from clusterbench.report.speedups import speedup_table
from clusterbench.report.tables import (
    accuracy_table,
    budget_table,
    cold_table,
    grid_table,
    runs_table,
    warm_table,
)
from clusterbench.report.workers import dask_runs_table


def machine_card(env: Environment) -> list[str]:
    """The card that heads a machine's tables: CPU and its thread pools, GPU, libraries."""
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


def _has_runs(suite: SuiteRecord) -> bool:
    """Whether the suite has cases other than scale cases (which have their own section)."""
    return any(not isinstance(c.record, ScaleRecord) for c in suite.cases)


def _suites_section(
    host: str, suites: list[SuiteRecord], pairs: list[tuple[SuiteRecord, SuiteRecord, str]],
    out_dir: Path,
) -> tuple[list[str], list[Path]]:  # fmt: skip
    """The machine's heading, card and suite tables, its plots and its scale section."""
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


def _runs_section(runs: list[RunRecord]) -> list[str]:
    """The machine's run records: single runs, and runs on Dask workers, in separate tables."""
    md: list[str] = []
    alone = [r for r in runs if r.cluster is None]
    on_workers = [r for r in runs if r.cluster is not None]
    if alone:
        md += ["### Single runs (clusterbench run --json)", "", *runs_table(alone), ""]
    if on_workers:
        md += ["### Runs on Dask workers (clusterbench run --scheduler)", ""]
        md += ["The cold run (the first fit+predict on the workers: started for the run "
               "with --scheduler local, a running scheduler's otherwise); peak memory per "
               "worker is each worker process's peak resident set (VmHWM) over the stages; "
               "the client's is the process that ran the command.",
               "", *dask_runs_table(on_workers), ""]  # fmt: skip
    return md


def machine_section(
    host: str,
    suites: list[SuiteRecord],
    runs: list[RunRecord],
    pairs: list[tuple[SuiteRecord, SuiteRecord, str]],
    out_dir: Path,
) -> tuple[list[str], list[Path]]:
    """The section of machine `host`, and the plots it wrote into `out_dir`.

    Parameters
    ----------
    host : str
        The machine's host name.
    suites : list of SuiteRecord
        The machine's suites, the newest per suite and backend.
    runs : list of RunRecord
        The machine's run records (clusterbench run --json); with no suite, the first of them
        gives the card.
    pairs : list of (SuiteRecord, SuiteRecord, str)
        (baseline suite, other suite, label) of each speedup listed under this machine.
    out_dir : Path
        Where the plots go.

    Returns
    -------
    md : list of str
        The section's Markdown lines.
    pngs : list of Path
        The plots written.
    """
    if suites:
        md, pngs = _suites_section(host, suites, pairs, out_dir)
        md.append("")
    else:
        md, pngs = [f"## Machine `{host}`", "", *machine_card(runs[0].environment), ""], []
    return md + _runs_section(runs), pngs
