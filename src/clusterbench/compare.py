"""The parity gate: two results side by side, failing on an accuracy or ARI gap, or on a
difference in what was measured (data, protocol, parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clusterbench.results_io import cases_of, load_result

SAME = ("dataset_fingerprint", "protocol", "subsample", "params")


@dataclass(frozen=True)
class Comparison:
    lines: list[str]
    problems: list[str]


def _score(case: dict[str, Any], key: str) -> float | None:
    metrics = case.get("metrics", {})
    if key == "ari" and "best_ari" in metrics:
        return metrics["best_ari"]
    return metrics.get(key)


def _seconds(case: dict[str, Any]) -> float | None:
    warm = case.get("warm", {})
    if warm.get("runs"):
        return warm["median"].get("total_s", warm["median"].get("fit_predict_s"))
    return (case.get("cold") or case.get("timings", {})).get("total_s")


def compare(path_a: Path, path_b: Path, accuracy_tol: float, ari_tol: float) -> Comparison:
    a, b = load_result(path_a), load_result(path_b)
    cases_a, cases_b = cases_of(a), cases_of(b)
    problems = []
    if a["kind"] != b["kind"]:
        problems.append(f"different kinds of result: {a['kind']} and {b['kind']}")
    only = sorted(set(cases_a) ^ set(cases_b))
    if only:
        problems.append(f"cases in one file only: {', '.join(only)}")
    lines = [
        f"{'case':<12} {'what':<15} {path_a.name[:28]:>28} {path_b.name[:28]:>28}  gap",
    ]
    for name in sorted(set(cases_a) & set(cases_b)):
        ca, cb = cases_a[name], cases_b[name]
        for key in SAME:
            if ca.get(key) != cb.get(key):
                problems.append(f"{name}: {key} differs ({ca.get(key)} vs {cb.get(key)})")
        for key, tol in (("test_accuracy", accuracy_tol), ("ari", ari_tol)):
            va, vb = _score(ca, key), _score(cb, key)
            if va is None and vb is None:
                continue
            if va is None or vb is None:
                problems.append(f"{name}: {key} missing in one result")
                continue
            gap = abs(va - vb)
            flag = "  FAIL" if gap > tol else ""
            lines.append(f"{name:<12} {key:<15} {va:>28.4f} {vb:>28.4f}  {gap:.4f}{flag}")
            if gap > tol:
                problems.append(f"{name}: {key} differs by {gap:.4f} (tolerance {tol})")
        ta, tb = _seconds(ca), _seconds(cb)
        if ta is not None and tb is not None:
            lines.append(f"{name:<12} {'seconds':<15} {ta:>28.2f} {tb:>28.2f}  x{ta / tb:.2f}")
        backends = (ca.get("backend", a.get("backend")), cb.get("backend", b.get("backend")))
        lines.append(f"{name:<12} {'backend':<15} {backends[0]:>28} {backends[1]:>28}")
    return Comparison(lines, problems)
