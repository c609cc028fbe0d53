"""The report's plots, one set per machine: cold and warm times as separate series (the warm
runs' range as error bars), speedups of same-machine pairs, budget curves and grid heatmaps."""

from __future__ import annotations

from pathlib import Path

from clusterbench.records import BudgetRecord, GridRecord, RunRecord, SuiteRecord


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
    for suite in dict.fromkeys(s.suite for s in suites):
        path = plot_stages(host, [s for s in suites if s.suite == suite], out_dir)
        if path is not None:
            written.append(path)
    for s in suites:
        for c in s.cases:
            stem = f"{host}-{s.suite}-{c.name}-{s.backend}"
            if isinstance(c.record, BudgetRecord):
                from clusterbench.suites.budget import plot_budget

                path = out_dir / f"budget-{stem}.png"
                plot_budget(c.record, path)
                written.append(path)
            if isinstance(c.record, GridRecord) and c.record.rows:
                from clusterbench.grid.summary import heatmap

                path = out_dir / f"grid-{stem}.png"
                heatmap(c.record.header, c.record.rows, path)
                written.append(path)
    return written


def plot_stages(host: str, suites: list[SuiteRecord], out_dir: Path) -> Path | None:
    """One suite's seconds per stage, a panel per case: per backend a bar of the warm runs'
    median with their range, the cold run marked beside it; None without pipeline cases."""
    cases = list(
        dict.fromkeys(c.name for s in suites for c in s.cases if isinstance(c.record, RunRecord))
    )
    if not cases:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(cases), figsize=(3.2 * len(cases), 4.0), squeeze=False)
    width = 0.8 / len(suites)
    for ax, name in zip(axes[0], cases, strict=True):
        stages: list[str] = []
        for s in suites:
            for c in s.cases:
                if c.name == name and isinstance(c.record, RunRecord):
                    stages += [st for st in c.record.timing.cold.stages if st not in stages]
        for i, s in enumerate(suites):
            record = next((c.record for c in s.cases if c.name == name), None)
            if not isinstance(record, RunRecord):
                continue
            x = [j + (i - (len(suites) - 1) / 2) * width for j in range(len(stages))]
            spread = record.timing.warm_spread()
            if spread:
                kept = [spread.get(st) for st in stages]
                med = [k.median if k else 0.0 for k in kept]
                low = [k.median - k.min if k else 0.0 for k in kept]
                high = [k.max - k.median if k else 0.0 for k in kept]
                ax.bar(x, med, width, yerr=[low, high], capsize=2, color=f"C{i}",
                       label=f"{s.backend}: warm median, range")  # fmt: skip
            cold = [record.timing.cold.stages.get(st, float("nan")) for st in stages]
            ax.scatter(x, cold, marker="D", color=f"C{i}", edgecolors="black", zorder=3, s=16,
                       label=f"{s.backend}: cold run")  # fmt: skip
        ax.set_xticks(range(len(stages)), stages, fontsize=8, rotation=30)
        ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
    axes[0][0].set_ylabel("seconds")
    handles = {}
    for ax in axes[0]:
        handles |= dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    fig.legend(handles.values(), handles.keys(), fontsize=7, loc="lower center", ncol=4)
    fig.suptitle(
        f"{suites[0].suite} suite on {host}: seconds per stage (bars: the warm runs' median, "
        "whiskers: their range; diamonds: the cold run)",
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    path = out_dir / f"stages-{host}-{suites[0].suite}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
