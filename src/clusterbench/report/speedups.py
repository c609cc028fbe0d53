"""GPU/CPU speedups: which suites pair up, and the per-stage ratio table of each pair.

A speedup pairs suites of the same machine only, every other backend against both stock and
accelerated CPU, unless the user names a cross-machine pair (--pair), which is labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass

from clusterbench.records import SuiteRecord
from clusterbench.report.markdown import num, table
from clusterbench.report.tables import STAGES, run_cases

BASELINES = ("cpu", "cpu-intelex")  # stock scikit-learn, and the best CPU software we run
ORDER = ("cpu", "cpu-intelex", "gpu", "gpu-accel")


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


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}" if a and b else ""


def speedup_table(cpu: SuiteRecord, gpu: SuiteRecord, label: str) -> list[str]:
    """Baseline seconds / other seconds per stage (`cpu` the baseline, `gpu` the backend
    measured against it): warm medians of both sides, the cold ratio beside. Seeded UMAP cases
    are accuracy rows (both libraries' slow deterministic paths) and get no speedup."""
    rows = []
    gpu_cases = dict(run_cases(gpu))
    for name, c in run_cases(cpu):
        g = gpu_cases.get(name)
        if g is None or c.params.get("umap_mode") == "deterministic":
            continue
        cw, gw = c.timing.warm_spread(), g.timing.warm_spread()
        rows.append(
            [cpu.suite, name]
            + [
                _ratio(cw[st].median, gw[st].median) if st in cw and st in gw else ""
                for st in STAGES
            ]
            + [
                _ratio(cw["total"].median, gw["total"].median) if cw and gw else "",
                _ratio(c.timing.cold.total_s, g.timing.cold.total_s),
                f"{num(c.metrics['test_accuracy'], 4)} / {num(g.metrics['test_accuracy'], 4)}",
            ]
        )
    header = ["suite", "case", *(f"{s} x (warm)" for s in STAGES), "total x (warm medians)"]
    header += ["total x (cold)", f"accuracy {cpu.backend} / {gpu.backend}"]
    return [f"{label}", "", *table(header, rows)]
