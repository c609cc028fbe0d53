"""The report's parity verdicts: per case, whether two backends of one machine reached the same
result: `clusterbench compare`'s own judgement (the same data, split, seed and parameters, and
accuracy and ARI within the tolerance policy of tolerances.py)."""

from __future__ import annotations

from clusterbench.parity import tolerances
from clusterbench.parity.compare import run_problems
from clusterbench.records import RunRecord, SuiteRecord
from clusterbench.report.markdown import num, table


def verdict(a: RunRecord, b: RunRecord) -> str:
    """`agrees`, or why not: a gap beyond the method's tolerance, or other data or parameters."""
    problems = run_problems(a, b)
    return "differs: " + "; ".join(problems) if problems else "agrees"


def parity_table(pairs: list[tuple[SuiteRecord, SuiteRecord, str]]) -> list[str]:
    """One row per case run on both backends of each pair; [] without pairs."""
    rows = []
    for base, other, _ in pairs:
        others = {c.name: c.record for c in other.cases if isinstance(c.record, RunRecord)}
        for case in base.cases:
            a, b = case.record, others.get(case.name)
            if not isinstance(a, RunRecord) or b is None:
                continue
            t = tolerances.for_method(a.method, tolerances.umap_mode_of(a.params))
            rows.append(
                [base.suite, case.name, a.method, f"{base.backend} / {other.backend}"]
                + [f"{num(a.metrics['test_accuracy'], 4)} / {num(b.metrics['test_accuracy'], 4)}"]
                + [f"{num(a.metrics['ari'], 4)} / {num(b.metrics['ari'], 4)}"]
                + [f"{t.accuracy} / {t.ari}", verdict(a, b)]
            )
    if not rows:
        return []
    header = ["suite", "case", "method", "backends", "test accuracy", "ARI"]
    header += ["tolerance (accuracy / ARI)", "verdict"]
    return table(header, rows)
