"""The report's plots, one set per machine: cold and warm times as separate series (the warm
runs' range as error bars), speedups of same-machine pairs, budget curves and grid heatmaps."""

from __future__ import annotations

from pathlib import Path

from clusterbench.record import BudgetRecord, GridRecord, RunRecord, SuiteRecord


def _pyplot():  # noqa: ANN202 - matplotlib's module
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_machine(
    host: str,
    suites: list[SuiteRecord],
    pairs: list[tuple[SuiteRecord, SuiteRecord, str]],
    out_dir: Path,
) -> list[Path]:
    plt = _pyplot()
    written = []
    cases = [
        (s, c.name, c.record) for s in suites for c in s.cases if isinstance(c.record, RunRecord)
    ]
    if cases:
        fig, ax = plt.subplots(figsize=(10, 4.5))
        x = range(len(cases))
        ax.bar(
            [i - 0.2 for i in x],
            [r.timing.cold.total_s for _, _, r in cases],
            0.4,
            label="cold run",
        )
        warm = [(i, r.timing.warm_spread().get("total")) for i, (_, _, r) in enumerate(cases)]
        warm = [(i, s) for i, s in warm if s is not None]
        if warm:
            ax.bar(
                [i + 0.2 for i, _ in warm],
                [s.median for _, s in warm],
                0.4,
                yerr=[[s.median - s.min for _, s in warm], [s.max - s.median for _, s in warm]],
                label="warm runs: median, range",
            )
        ax.set_xticks(list(x), [f"{s.suite}/{n}\n{s.backend}" for s, n, _ in cases], fontsize=8)
        ax.set_ylabel("seconds, fit+predict (load excluded)")
        ax.set_yscale("log")
        ax.set_title(f"Time per case and backend on {host}")
        ax.legend()
        fig.tight_layout()
        path = out_dir / f"timings-{host}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    for cpu, gpu, _ in pairs:  # a baseline and the backend measured against it
        gpu_cases = {c.name: c.record for c in gpu.cases if isinstance(c.record, RunRecord)}
        bars = []
        for c in cpu.cases:
            g = gpu_cases.get(c.name)
            if isinstance(c.record, RunRecord) and g is not None:
                cw, gw = c.record.timing.warm_spread(), g.timing.warm_spread()
                if cw and gw:
                    bars.append((c.name, cw["total"].median / gw["total"].median))
        if bars:
            fig, ax = plt.subplots(figsize=(8, 4))
            ax.bar([n for n, _ in bars], [v for _, v in bars], color="tab:green")
            ax.set_ylabel(f"{cpu.backend} / {gpu.backend}, warm medians")
            ax.set_title(
                f"{gpu.backend} over {cpu.backend}, {cpu.suite} suite "
                f"({cpu.environment.host} / {gpu.environment.host})"
            )
            fig.tight_layout()
            path = out_dir / (
                f"speedup-{cpu.suite}-{cpu.environment.host}-{cpu.backend}-"
                f"{gpu.environment.host}-{gpu.backend}.png"
            )
            fig.savefig(path, dpi=100)
            plt.close(fig)
            written.append(path)
    for s in suites:
        for c in s.cases:
            stem = f"{host}-{s.suite}-{c.name}-{s.backend}"
            if isinstance(c.record, BudgetRecord):
                from clusterbench.budget import plot_budget

                path = out_dir / f"budget-{stem}.png"
                plot_budget(c.record, path)
                written.append(path)
            if isinstance(c.record, GridRecord) and c.record.rows:
                from clusterbench.grid.summary import heatmap

                path = out_dir / f"grid-{stem}.png"
                heatmap(c.record.header, c.record.rows, path)
                written.append(path)
    return written
