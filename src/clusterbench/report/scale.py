"""The report's scale section: how each stage's time and memory grow with the training set.

Per scale case: each size's median seconds per stage and peak memory, then each stage's growth
exponent, the slope of a least-squares line through log(seconds) against log(N) over the
measured sizes (1: linear; 2: quadratic), printed with the sizes it was fitted on; and a
log-log plot of time and memory against N per stage.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

from clusterbench.records import ScalePoint, ScaleRecord, SuiteRecord
from clusterbench.report.markdown import num, table

SHORT_S = 0.1  # a stage whose seconds stay below this measures overhead, not growth


def exponent(sizes: list[int], values: list[float]) -> float:
    """The least-squares slope of log(values) against log(sizes)."""
    xs, ys = [math.log(n) for n in sizes], [math.log(v) for v in values]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def stage_seconds(point: ScalePoint) -> dict[str, float]:
    """Median seconds per stage over the point's runs, and "total"."""
    stages = {s: statistics.median(r.stages.get(s, 0.0) for r in point.runs)
              for s in point.runs[0].stages}  # fmt: skip
    return {**stages, "total": statistics.median(r.total_s for r in point.runs)}


def scale_cases(suites: list[SuiteRecord]) -> list[tuple[SuiteRecord, str, ScaleRecord]]:
    return [(s, c.name, c.record) for s in suites for c in s.cases
            if isinstance(c.record, ScaleRecord)]  # fmt: skip


def points_table(record: ScaleRecord) -> list[str]:
    measured = [p for p in record.points if p.measured]
    stages = list(dict.fromkeys(s for p in measured for s in p.runs[0].stages))
    rows = []
    for p in record.points:
        if p.measured:
            secs = stage_seconds(p)
            cells = [num(secs.get(s)) for s in stages] + [num(secs["total"])]
            cells += [f"{p.peak_bytes()['peak'] / 2**30:.2f}", num(p.metrics.get("test_accuracy"))]
        else:
            cells = [""] * (len(stages) + 3)
        rows.append([f"{p.n_train:,}", p.status, *cells, p.reason or ""])
    header = ["training digits", "status", *(f"{s} s" for s in stages), "total s"]
    return table(header + ["peak GiB", "test accuracy", "why"], rows)


def exponents_table(record: ScaleRecord) -> list[str]:
    measured = [p for p in record.points if p.measured]
    if len(measured) < 2:
        return ["Fewer than two sizes were measured: no exponent."]
    sizes = [p.n_train for p in measured]
    span = f"{sizes[0]:,}–{sizes[-1]:,} ({len(sizes)} sizes)"
    rows = []
    times = [stage_seconds(p) for p in measured]
    for stage in times[0]:
        values = [t.get(stage, 0.0) for t in times]
        if min(values) <= 0:
            continue
        note = f"under {SHORT_S} s: overhead, not growth" if max(values) < SHORT_S else ""
        seconds = f"{num(values[0])}–{num(values[-1])}"
        rows.append([f"time: {stage}", num(exponent(sizes, values)), span, seconds, note])
    for key, what, note in (("peak", "peak memory", "the process's"),
                            ("device", "peak device memory", "the whole device's")):  # fmt: skip
        peaks = [p.peak_bytes().get(key, 0) for p in measured]
        if min(peaks) > 0:
            gib = f"{peaks[0] / 2**30:.2f}–{peaks[-1] / 2**30:.2f} GiB"
            rows.append([what, num(exponent(sizes, peaks)), span, gib, note])
    return table(["what", "exponent", "fitted on N", "range", "note"], rows)


def worker_peak_bytes(point: ScalePoint) -> int:
    """The largest peak resident set of any one worker in any stage."""
    return max((b for stage in point.worker_peak_bytes.values() for b in stage.values()), default=0)


def series(record: ScaleRecord, scaling: str) -> list[ScalePoint]:
    """The worker points of one scaling series, by worker count."""
    return sorted((p for p in record.worker_points if scaling in p.scalings),
                  key=lambda p: p.workers or 0)  # fmt: skip


def workers_table(record: ScaleRecord) -> list[str]:
    """Strong and weak scaling: seconds per stage, the speedup or efficiency against the
    series' first worker count, each worker's peak memory; the one-process point at the same
    size where the case measured one."""
    one_process = {p.n_train: p for p in record.points if p.measured}
    stages = list(dict.fromkeys(s for p in record.worker_points if p.measured
                                for s in p.runs[0].stages))  # fmt: skip
    rows = []
    for scaling, measure in (("strong", "speedup"), ("weak", "efficiency")):
        points = series(record, scaling)
        base = next((p for p in points if p.measured), None)
        for p in points:
            if not p.measured or base is None:
                rows.append([scaling, f"{p.n_train:,}", str(p.workers), p.status]
                            + [""] * (len(stages) + 4) + [p.reason or ""])  # fmt: skip
                continue
            secs, first = stage_seconds(p), stage_seconds(base)["total"]
            ratio = first / secs["total"]
            if measure == "speedup":
                gain = f"{ratio:.2f}x (efficiency {ratio * base.workers / p.workers:.2f})"
            else:
                gain = f"{ratio:.2f}"
            reference = one_process.get(p.n_train)
            alone = num(stage_seconds(reference)["total"]) if reference else ""
            rows.append([scaling, f"{p.n_train:,}", str(p.workers), p.status,
                         *(num(secs.get(s)) for s in stages), num(secs["total"]), gain,
                         f"{worker_peak_bytes(p) / 2**30:.2f}", alone,
                         num(p.metrics.get("test_accuracy"))])  # fmt: skip
    header = ["scaling", "training digits", "workers", "status", *(f"{s} s" for s in stages)]
    header += ["total s", "speedup / efficiency", "peak GiB per worker", "one process, total s"]
    return table([*header, "test accuracy"], rows)


def plot_workers(record: ScaleRecord, title: str, path: Path) -> bool:
    """Seconds per stage against workers, strong and weak scaling side by side."""
    from clusterbench.report.plots import _pyplot

    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    drawn = False
    for axis, scaling in zip(axes, ("strong", "weak"), strict=True):
        points = [p for p in series(record, scaling) if p.measured]
        if not points:
            axis.set_visible(False)
            continue
        drawn = True
        workers = [p.workers for p in points]
        times = [stage_seconds(p) for p in points]
        for key in times[0]:
            axis.plot(workers, [t.get(key, 0) for t in times], marker="o", label=key,
                      lw=2.5 if key in _WHOLE else 1)  # fmt: skip
        sizes = ", ".join(f"{p.n_train:,}" for p in points)
        what = "fixed N" if scaling == "strong" else "fixed N per worker"
        axis.set_title(f"{scaling} scaling ({what}: {sizes} digits)", fontsize=9)
        axis.set_xticks(workers)
        axis.set_xlabel("Dask workers (one thread each)")
        axis.set_ylabel("seconds")
        axis.legend(fontsize=8)
        axis.grid(True, alpha=0.3)
    if drawn:
        fig.suptitle(title)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    plt.close(fig)
    return drawn


def scale_section(
    host: str, suites: list[SuiteRecord], out_dir: Path
) -> tuple[list[str], list[Path]]:
    cases = scale_cases(suites)
    if not cases:
        return [], []
    md = [
        "### How cost grows: seconds and memory against the training set",
        "",
        "InfiMNIST training sets of growing size (the first 60,000 are MNIST's, the rest "
        "seeded deformations of them), MNIST's 10,000 test digits. Seconds are medians over "
        "each size's runs; the basis is in each case's heading. A size whose first run "
        "exceeded the budget is the last one run. Exponent: the slope of log(seconds) against "
        "log(N), fitted by least squares over the measured sizes (1: time grows like N, 2: like "
        "N squared).",
    ]
    pngs = []
    for suite, name, record in cases:
        md += ["", f"#### {name} on `{record.backend}` ({suite.suite} suite)", ""]
        mode = record.params.get("umap_mode")
        umap = f"; UMAP {mode} (--umap-mode)" if mode else ""
        md += [f"Budget {record.budget_s:g} s per size{umap}; basis: {record.basis}.", ""]
        md += [*points_table(record), "", *exponents_table(record)]
        path = out_dir / f"scale-{host}-{suite.suite}-{name}-{record.backend}.png"
        if plot_scale(record, f"{name} on {record.backend} ({host})", path):
            pngs.append(path)
            md += ["", f"![{path.stem}]({path.name})"]
        if record.worker_points:
            md += ["", f"On Dask workers; basis: {record.worker_basis}.", ""]
            md += workers_table(record)
            path = out_dir / f"scale-workers-{host}-{suite.suite}-{name}-{record.backend}.png"
            if plot_workers(record, f"{name} on Dask workers ({host})", path):
                pngs.append(path)
                md += ["", f"![{path.stem}]({path.name})"]
    return md, pngs


def plot_scale(record: ScaleRecord, title: str, path: Path) -> bool:
    """Time and peak memory against N, per stage, on log-log axes; False with nothing to draw."""
    from clusterbench.report.plots import _pyplot

    measured = [p for p in record.points if p.measured]
    if not measured:
        return False
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    sizes = [p.n_train for p in measured]
    for axis, series, unit in (
        (left, [stage_seconds(p) for p in measured], 1.0),
        (right, [p.peak_bytes() for p in measured], 2**30),
    ):
        for key in series[0]:
            values = [s.get(key, 0) / unit for s in series]
            if min(values) > 0:
                axis.plot(sizes, values, marker="o", label=key, lw=2.5 if key in _WHOLE else 1)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("training digits N")
        axis.legend(fontsize=8)
        axis.grid(True, which="both", alpha=0.3)
    left.set_ylabel("seconds (median of runs)")
    right.set_ylabel("peak memory, GiB (host resident set; device: used)")
    over = [p for p in measured if p.status == "over budget"]
    for p in over:
        left.axvline(p.n_train, color="grey", ls=":", lw=1)
    fig.suptitle(title + (" (dotted: over budget)" if over else ""))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


_WHOLE = ("total", "peak", "device")


def csv_rows(suites: list[SuiteRecord], base: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per scale point: median seconds per stage and peak bytes."""
    rows = []
    for suite, name, record in scale_cases(suites):
        for p in [*record.points, *record.worker_points]:
            row = {**base, "suite": suite.suite, "case": name, "backend": record.backend}
            row |= {"basis": "scale", "n_train": p.n_train, "status": p.status}
            if p.workers is not None:
                row |= {"workers": p.workers, "scaling": "+".join(p.scalings)}
                row |= {"basis": "scale on Dask workers", "worker_peak_bytes": worker_peak_bytes(p)}
            if p.measured:
                row |= {"runs": len(p.runs)}
                row |= {f"{s}_s": v for s, v in stage_seconds(p).items()}
                row |= {"peak_bytes": p.peak_bytes()["peak"]}
                row |= {"test_accuracy": p.metrics.get("test_accuracy")}
            rows.append(row)
    return rows
