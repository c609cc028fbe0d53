"""The parity gate: two results of one kind side by side, failing on an accuracy or ARI gap, on a
difference in what was measured (data, split, parameters), and optionally on a slowdown.

Every record kind the project writes that holds scores is compared: runs, suites case by case,
budget curves per K, grid files and grid records per configuration, grid-engine studies. A kind
that cannot be compared, or a pair with nothing in common, is an error, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clusterbench.errors import ClusterbenchError
from clusterbench.parity.tolerances import for_method, umap_mode_of
from clusterbench.records import (
    BudgetRecord,
    CaseRecord,
    GridRecord,
    Record,
    RunRecord,
    ScaleRecord,
    StudyRecord,
    SuiteRecord,
    Timing,
    kind_of,
    load_record,
)
from clusterbench.records.grid_file import IDENTITY, config_key

# Grid header fields that make two grids' rows comparable: a resumable file's identity, but for
# the backend and engine, which is what a comparison of two grids usually varies, and the grid's
# extent (configurations are compared where both grids have them).
GRID_SAME = tuple(k for k in IDENTITY if k not in ("backend", "engine", "eps", "min_samples"))


@dataclass(frozen=True)
class Tolerances:
    """What the user set; None leaves a gap to the method's tolerance (tolerances.py)."""

    accuracy: float | None = None
    ari: float | None = None
    time: float | None = None  # largest allowed ratio of B's warm median to A's

    def of(self, method: str, params: dict[str, Any] | None = None) -> tuple[float, float]:
        """The accuracy and ARI gaps allowed for `method` run with `params` (a record's: its
        UMAP mode picks the fast rows)."""
        policy = for_method(method, umap_mode_of(params or {}))
        return (
            policy.accuracy if self.accuracy is None else self.accuracy,
            policy.ari if self.ari is None else self.ari,
        )


@dataclass
class Comparison:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    compared: int = 0  # scores compared: zero means the gate passed nothing

    def score(self, case: str, what: str, a: float | None, b: float | None, tol: float) -> None:
        if a is None and b is None:
            return
        if a is None or b is None:
            self.problems.append(f"{case}: {what} missing in one result")
            return
        gap = abs(a - b)
        self.compared += 1
        self.lines.append(f"{case:<14} {what:<22} {a:>12.4f} {b:>12.4f}  {gap:.4f}")
        if gap > tol:
            self.lines[-1] += "  FAIL"
            self.problems.append(f"{case}: {what} differs by {gap:.4f} (tolerance {tol})")

    def same(self, case: str, what: str, a: Any, b: Any) -> None:
        if a != b:
            self.problems.append(f"{case}: {what} differs ({a} vs {b})")


def _timing(c: Comparison, case: str, a: Timing, b: Timing, tol: float | None) -> None:
    """Cold ratio always; warm medians with their ranges, gated by `tol` when both have them.
    The gate fails only when B's median is slower than A's by more than `tol` and the two warm
    ranges do not overlap (B's fastest run is slower than A's slowest)."""
    c.lines.append(
        f"{case:<14} {'cold total s':<22} {a.cold.total_s:>12.2f} {b.cold.total_s:>12.2f}  "
        f"B/A {b.cold.total_s / a.cold.total_s:.2f}"
    )
    sa, sb = a.warm_spread().get("total"), b.warm_spread().get("total")
    if sa is None or sb is None:
        if tol is not None:
            c.lines.append(f"{case:<14} timing not gated: warm runs missing in one result")
        return
    ratio = sb.median / sa.median
    c.lines.append(
        f"{case:<14} {'warm median s':<22} {sa.median:>12.2f} {sb.median:>12.2f}  B/A "
        f"{ratio:.2f} (A {sa.min:.2f}-{sa.max:.2f} x{sa.count}, B {sb.min:.2f}-{sb.max:.2f} "
        f"x{sb.count})"
    )
    if tol is not None and ratio > tol and sb.min > sa.max:
        c.lines[-1] += "  FAIL"
        c.problems.append(
            f"{case}: B's warm median is {ratio:.2f}x A's (tolerance {tol}) and the warm ranges "
            "do not overlap"
        )


def _run(c: Comparison, case: str, a: RunRecord, b: RunRecord, tol: Tolerances) -> None:
    for what in ("fingerprint", "protocol", "subsample", "seed"):
        c.same(case, what, getattr(a.data, what), getattr(b.data, what))
    c.same(case, "method", a.method, b.method)
    c.same(case, "params", a.params, b.params)
    accuracy, ari = tol.of(a.method, a.params)
    c.score(case, "test_accuracy", a.metrics["test_accuracy"], b.metrics["test_accuracy"], accuracy)
    c.score(case, "ari", a.metrics["ari"], b.metrics["ari"], ari)
    _timing(c, case, a.timing, b.timing, tol.time)
    c.lines.append(f"{case:<14} {'backend':<22} {a.backend:>12} {b.backend:>12}")


def run_problems(a: RunRecord, b: RunRecord) -> list[str]:
    """Why two runs are not the same result under the tolerance policy ([] when they are):
    what `compare` says of them, for the report's parity verdicts."""
    c = Comparison()
    _run(c, "run", a, b, Tolerances())
    return [problem.removeprefix("run: ") for problem in c.problems]


def _budget(c: Comparison, case: str, a: BudgetRecord, b: BudgetRecord, tol: Tolerances) -> None:
    for what in ("fingerprint", "protocol", "subsample", "seed"):
        c.same(case, what, getattr(a.data, what), getattr(b.data, what))
    c.same(case, "params", a.params, b.params)
    pa, pb = {p.clusters: p for p in a.points}, {p.clusters: p for p in b.points}
    if set(pa) != set(pb):
        c.problems.append(f"{case}: cluster counts differ ({sorted(pa)} vs {sorted(pb)})")
    accuracy, _ = tol.of(a.method, a.params)
    for k in sorted(set(pa) & set(pb)):
        c.score(case, f"K={k} test_accuracy", pa[k].test_accuracy, pb[k].test_accuracy, accuracy)


def _grid(c: Comparison, case: str, a: GridRecord, b: GridRecord, tol: Tolerances) -> None:
    """Per configuration: the same status, and ARI within tolerance; one line per grid."""
    _, ari_tol = tol.of("dbscan")
    for what in GRID_SAME:
        c.same(case, what, a.header.get(what), b.header.get(what))
    ra = {config_key(r["eps"], r["min_samples"]): r for r in a.rows}
    rb = {config_key(r["eps"], r["min_samples"]): r for r in b.rows}
    if set(ra) != set(rb):
        c.problems.append(f"{case}: {len(set(ra) ^ set(rb))} configurations in one grid only")
    worst, gaps = (None, 0.0), []
    for key in sorted(set(ra) & set(rb)):
        x, y = ra[key], rb[key]
        if x["status"] != y["status"]:
            c.problems.append(
                f"{case}: eps {key[0]}, min_samples {key[1]}: {x['status']} vs {y['status']}"
            )
            continue
        if x.get("ari") is None or y.get("ari") is None:
            continue
        gap = abs(x["ari"] - y["ari"])
        gaps.append(gap)
        if gap > worst[1]:
            worst = (key, gap)
        if gap > ari_tol:
            c.problems.append(
                f"{case}: eps {key[0]}, min_samples {key[1]}: ari differs by {gap:.4f} "
                f"(tolerance {ari_tol})"
            )
    c.compared += len(gaps)
    if gaps:
        where = f" at eps {worst[0][0]}, min_samples {worst[0][1]}" if worst[0] else ""
        c.lines.append(
            f"{case:<14} {'ari per configuration':<22} {len(gaps)} compared, largest gap "
            f"{worst[1]:.4f}{where}, {sum(g > ari_tol for g in gaps)} beyond {ari_tol}"
        )
    score = a.header["score"]
    c.score(case, f"best {score}", _best(a), _best(b), ari_tol)  # ARI, NMI, silhouette alike


def _best(grid: GridRecord) -> float | None:
    """The best value of the score the grid ranks by."""
    best = grid.best()
    return None if best is None else best[grid.header["score"]]


def _engines(c: Comparison, case: str, a: StudyRecord, b: StudyRecord, tol: Tolerances) -> None:
    ra, rb = a.results, b.results
    c.same(case, "fingerprint", ra["dataset_fingerprint"], rb["dataset_fingerprint"])
    c.same(case, "grid", ra["grid"], rb["grid"])
    _, ari_tol = tol.of("dbscan")
    c.score(case, "sweep best ari", ra["sweep"]["best"]["ari"], rb["sweep"]["best"]["ari"], ari_tol)
    for r, side in ((ra, "A"), (rb, "B")):
        same = r["identical_labels"]
        if same["identical"] != same["checked"]:
            c.problems.append(
                f"{case}: {side}'s engines disagree ({same['identical']}/{same['checked']})"
            )
    c.lines.append(
        f"{case:<14} {'sweep median s':<22} {ra['sweep']['median_s']:>12.2f} "
        f"{rb['sweep']['median_s']:>12.2f}"
    )


def _scale(c: Comparison, case: str, a: ScaleRecord, b: ScaleRecord, tol: Tolerances) -> None:
    """Sizes measured in both: the same data and parameters, accuracy within the method's
    tolerance; a size only one reached within its budget is listed, not failed."""
    c.same(case, "method", a.method, b.method)
    c.same(case, "params", a.params, b.params)
    accuracy, _ = tol.of(a.method, a.params)
    pa = {p.n_train: p for p in a.points if p.measured}
    pb = {p.n_train: p for p in b.points if p.measured}
    for n in sorted(set(pa) & set(pb)):
        c.same(case, f"data at N={n:,}", pa[n].fingerprint, pb[n].fingerprint)
        acc_a, acc_b = (p.metrics.get("test_accuracy") for p in (pa[n], pb[n]))
        c.score(case, f"N={n:,} test_accuracy", acc_a, acc_b, accuracy)
    for n in sorted(set(pa) ^ set(pb)):
        side = "A" if n in pa else "B"
        c.lines.append(f"{case:<14} N={n:,} measured in {side} only (budget or memory)")
    if not set(pa) & set(pb):
        c.problems.append(f"{case}: no training-set size measured in both")
    wa = {(p.workers, p.n_train): p for p in a.worker_points if p.measured}
    wb = {(p.workers, p.n_train): p for p in b.worker_points if p.measured}
    for w, n in sorted(set(wa) & set(wb)):
        acc_a, acc_b = (p.metrics.get("test_accuracy") for p in (wa[w, n], wb[w, n]))
        c.same(case, f"data at N={n:,} on {w} workers", wa[w, n].fingerprint, wb[w, n].fingerprint)
        c.score(case, f"N={n:,} on {w} workers test_accuracy", acc_a, acc_b, accuracy)
    for w, n in sorted(set(wa) ^ set(wb)):
        side = "A" if (w, n) in wa else "B"
        c.lines.append(f"{case:<14} N={n:,} on {w} workers measured in {side} only")


CASES: dict[type, Callable[..., None]] = {
    RunRecord: _run,
    BudgetRecord: _budget,
    GridRecord: _grid,
    ScaleRecord: _scale,
}
STUDIES: dict[str, Callable[..., None]] = {"grid-engines": _engines}


def _cases(record: Record) -> dict[str, CaseRecord | StudyRecord]:
    if isinstance(record, SuiteRecord):
        return {case.name: case.record for case in record.cases}
    if isinstance(record, RunRecord):
        return {record.method: record}
    return {kind_of(record): record}


def compare(path_a: Path, path_b: Path, tol: Tolerances) -> Comparison:
    a, b = load_record(path_a), load_record(path_b)
    ka, kb = kind_of(a), kind_of(b)
    if ka != kb:
        raise ClusterbenchError(f"cannot compare a {ka} record ({path_a}) with a {kb} record")
    if isinstance(a, StudyRecord) and ka not in STUDIES:
        raise ClusterbenchError(
            f"{ka} records cannot be compared (they hold a study's choices, not one result); "
            f"compare runs, suites, budgets, grids or {', '.join(STUDIES)}"
        )
    c = Comparison(
        lines=[f"{'case':<14} {'what':<22} {path_a.name[:12]:>12} {path_b.name[:12]:>12}  gap"]
    )
    if isinstance(a, SuiteRecord) and isinstance(b, SuiteRecord):
        c.same("suite", "suite", a.suite, b.suite)
    cases_a, cases_b = _cases(a), _cases(b)
    only = sorted(set(cases_a) ^ set(cases_b))
    if only:
        c.problems.append(f"cases in one file only: {', '.join(only)}")
    for name in sorted(set(cases_a) & set(cases_b)):
        ca, cb = cases_a[name], cases_b[name]
        if type(ca) is not type(cb):
            c.problems.append(f"{name}: a {kind_of(ca)} case and a {kind_of(cb)} case")
            continue
        compare_case = STUDIES[ca.kind] if isinstance(ca, StudyRecord) else CASES[type(ca)]
        compare_case(c, name, ca, cb, tol)
    if c.compared == 0:
        raise ClusterbenchError(f"{path_a} and {path_b} have no score in common to compare")
    return c
