"""results.csv: one row per case, backend and basis, for analysis outside the report."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from clusterbench.records import SuiteRecord
from clusterbench.report.scale import csv_rows as scale_csv_rows
from clusterbench.report.tables import STAGES, run_cases


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
        for name, r in run_cases(s):
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


def write_csv(suites: list[SuiteRecord], out_dir: Path) -> Path:
    """Write `out_dir`/results.csv; its columns are the union of the rows' keys, in order."""
    path = out_dir / "results.csv"
    rows = csv_rows(suites)
    fields = list(dict.fromkeys(k for row in rows for k in row)) or ["host", "suite", "case"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path
