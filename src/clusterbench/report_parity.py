"""The report's parity verdicts: per case, whether two backends of one machine reached the same
result within the tolerance policy (tolerances.py), as `clusterbench compare` judges it."""

from __future__ import annotations

from clusterbench import tolerances
from clusterbench.markdown import num, table
from clusterbench.record import RunRecord, SuiteRecord


def verdict(a: RunRecord, b: RunRecord) -> str:
    """`agrees`, or which gap is beyond the method's tolerance."""
    t = tolerances.for_method(a.method)
    gaps = {
        "accuracy": (abs(a.metrics["test_accuracy"] - b.metrics["test_accuracy"]), t.accuracy),
        "ARI": (abs(a.metrics["ari"] - b.metrics["ari"]), t.ari),
    }
    beyond = [
        f"{what} gap {gap:.4f} > {limit}" for what, (gap, limit) in gaps.items() if gap > limit
    ]
    return "differs: " + ", ".join(beyond) if beyond else "agrees"


def parity_table(pairs: list[tuple[SuiteRecord, SuiteRecord, str]]) -> list[str]:
    """One row per case run on both backends of each pair; [] without pairs."""
    rows = []
    for base, other, _ in pairs:
        others = {c.name: c.record for c in other.cases if isinstance(c.record, RunRecord)}
        for case in base.cases:
            a, b = case.record, others.get(case.name)
            if not isinstance(a, RunRecord) or b is None:
                continue
            t = tolerances.for_method(a.method)
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
