"""The GPU check for a rented GPU machine: every step runs whatever another one did.

    python bench/gpu_check.py DATA_DIR [--out DIR] [--subsample N] [--repeat N]
                              [--budget-s S] [--bring-back DIR]

Steps: the GPU tests (pytest -m gpu); every method on the CPU, on cuML (`gpu`) and under
cuml.accel (`gpu-accel`) (full MNIST, canonical split, or --subsample N), with `clusterbench
compare` of each GPU record against the CPU one, which applies the tolerance policy
(clusterbench/parity/tolerances.py) (spectral-nystrom, which cuML lacks, runs on the CPU and under
cuml.accel only); the study's DBSCAN grid and the labelling-budget curve on the GPU; k-means on
Dask workers, CPU workers and dask-cuda workers (cuml.dask), all of MNIST, compared. Then a
summary table (summary.md), one archive of the folder (OUT.tgz), and exit status 1 if any step
failed. Each step's output is in its own log file in OUT.

Every step is time-boxed: its timeout is its own cap or what is left of --budget-s (default 510 s,
so that the whole check fits one device command of 9 minutes), whichever is less; a step that the
budget no longer allows is skipped and said so in the summary. --bring-back DIR copies the
archive and summary.md there (on a lent device, $OUT: two files come back).

The commands it calls are $CLUSTERBENCH (default: clusterbench), $PYTEST (default: this
Python's pytest) and $NVIDIA_SMI (default: nvidia-smi), so that a test can run the whole script
against stubs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clusterbench.errors import ClusterbenchError
from clusterbench.records import RunRecord, load_record
from clusterbench.registry import METHODS

# UMAP methods: timed on both libraries' fast paths (--umap-mode fast; compare then applies the
# fast rows of the tolerance policy), and run once on the CPU, where they are still the slowest
UMAP_METHODS = {"umap-kmeans", "umap-spectral", "umap-hdbscan"}


MIN_STEP_S = 20.0  # a step is not started with less time than this left
FINISH_S = 15.0  # kept back for the summary and the archive


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float
    log: Path
    skipped: bool = False


def _command(variable: str, default: str) -> list[str]:
    return shlex.split(os.environ.get(variable, default))


def run_step(name: str, argv: list[str], out: Path, timeout: float) -> Step:
    """Run one step to its log file; a failure, a timeout or a missing command is recorded."""
    log = out / f"{name}.log"
    start = time.perf_counter()
    with log.open("w") as f:
        f.write(f"$ {shlex.join(argv)}\n")
        f.flush()
        try:  # a session of its own: a timeout ends the step's Dask workers too
            proc = subprocess.Popen(
                argv, stdout=f, stderr=subprocess.STDOUT, start_new_session=True
            )
        except OSError as exc:
            f.write(f"\ncannot run: {exc}\n")
            rc = -1
        else:
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                f.write(f"\ntimed out after {timeout:.0f} s\n")
                rc = -1
    step = Step(name, rc == 0, time.perf_counter() - start, log)
    last = (log.read_text().strip().splitlines() or [""])[-1]
    print(f"ok   {name} ({step.seconds:.0f} s)" if step.ok else f"FAIL {name}: {last}")
    return step


def _scores(path: Path) -> tuple[str, str, str]:
    """Accuracy, ARI and the timing of a run record, or why there are none."""
    try:
        record = load_record(path)
    except ClusterbenchError:
        return ("n/a", "n/a", "no record")
    if not isinstance(record, RunRecord):
        return ("n/a", "n/a", "not a run record")
    spread = record.timing.warm_spread().get("total")
    seconds = f"{spread.median:.1f} warm" if spread else f"{record.timing.cold.total_s:.1f} cold"
    return (f"{record.metrics['test_accuracy']:.4f}", f"{record.metrics['ari']:.4f}", seconds)


def summary(steps: dict[str, Step], out: Path) -> str:
    lines = [
        "| method | backend | accuracy | ARI | seconds | against cpu |",
        "|---|---|---|---|---|---|",
    ]
    for method in METHODS:
        for backend, suffix in (("cpu", None), ("gpu", ""), ("gpu-accel", "-accel")):
            scores = _scores(out / f"{method}-{backend}.json")
            compared = None if suffix is None else steps.get(f"compare-{method}{suffix}")
            verdict = (
                "" if suffix is None
                else "cuML has none" if backend == "gpu" and METHODS[method].gpu is None
                else "not compared" if compared is None
                else "same" if compared.ok
                else "DIFFERENT"
            )  # fmt: skip
            lines.append(f"| {method} | {backend} | {' | '.join(scores)} | {verdict} |")
    for backend in ("cpu", "gpu"):  # on Dask workers
        scores = _scores(out / f"kmeans-{backend}-dask.json")
        compared = steps.get("compare-kmeans-dask") if backend == "gpu" else None
        verdict = (
            ""
            if backend == "cpu"
            else "not compared"
            if compared is None
            else ("same" if compared.ok else "DIFFERENT")
        )
        lines.append(f"| kmeans | {backend} on Dask workers | {' | '.join(scores)} | {verdict} |")
    lines += ["", "| step | result | seconds |", "|---|---|---|"]
    lines += [
        f"| {s.name} | {'skipped: out of time' if s.skipped else 'ok' if s.ok else 'FAILED'} "
        f"| {s.seconds:.0f} |"
        for s in steps.values()
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="the four MNIST IDX files")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument("--out", type=Path, default=Path(f"results/gpu-check-{stamp}"))
    parser.add_argument("--subsample", type=int, help="training digits per run (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method: 1 cold, rest warm")
    parser.add_argument("--budget-s", type=float, default=510.0, help="the whole check's seconds")
    parser.add_argument("--bring-back", type=Path, help="copy the archive and summary.md here")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.budget_s - FINISH_S
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    cb, pytest = (
        _command("CLUSTERBENCH", "clusterbench"),
        _command("PYTEST", f"{shlex.quote(sys.executable)} -m pytest"),
    )
    data = ["--data-dir", str(args.data_dir)]
    sample = ["--subsample", str(args.subsample)] if args.subsample else []
    steps: dict[str, Step] = {}

    def step(name: str, command: list[str], cap: float) -> Step:
        left = deadline - time.monotonic()
        if left < MIN_STEP_S:
            steps[name] = Step(name, False, 0.0, out / f"{name}.log", skipped=True)
            print(f"skip {name}: {left:.0f} s of the budget left")
        else:
            steps[name] = run_step(name, command, out, min(cap, left))
        if args.bring_back is not None:  # so far, in case the command is cut short
            args.bring_back.mkdir(parents=True, exist_ok=True)
            (args.bring_back / "summary.md").write_text(summary(steps, out))
        return steps[name]

    step("nvidia-smi", _command("NVIDIA_SMI", "nvidia-smi"), 60)
    os.environ.setdefault("CLUSTERBENCH_DATA_DIR", str(args.data_dir))
    step("gpu-tests", [*pytest, "-m", "gpu", "-rs", "-p", "no:cacheprovider", "tests"], 120)
    for method in METHODS:
        gpu_backends = ("gpu", "gpu-accel") if METHODS[method].gpu is not None else ("gpu-accel",)
        for backend in (*gpu_backends, "cpu"):
            repeat = 1 if backend == "cpu" and method in UMAP_METHODS else args.repeat
            record = out / f"{method}-{backend}.json"
            command = [*cb, "run", *data, *sample, "--method", method, "--backend", backend]
            command += ["--umap-mode", "fast"] if method in UMAP_METHODS else []
            step(
                f"{method}-{backend}",
                [*command, "--repeat", str(repeat), "--json", str(record)],
                900,
            )
        for backend, suffix in (("gpu", ""), ("gpu-accel", "-accel")):
            pair = [out / f"{method}-cpu.json", out / f"{method}-{backend}.json"]
            if all(p.exists() for p in pair):
                step(f"compare-{method}{suffix}", [*cb, "compare", *map(str, pair)], 120)
    step(
        "grid-gpu",
        [*cb, "grid", *data, *sample, "--backend", "gpu", "--jsonl", str(out / "grid-gpu.jsonl")],
        900,
    )
    step(
        "budget-gpu",
        [*cb, "budget", *data, *sample, "--backend", "gpu", "--json", str(out / "budget-gpu.json")],
        900,
    )
    # the pipeline on Dask workers: dask-cuda workers (cuml.dask) against CPU workers, all MNIST
    for backend in ("cpu", "gpu"):
        record = out / f"kmeans-{backend}-dask.json"
        command = [*cb, "run", *data, "--method", "kmeans", "--backend", backend]
        command += ["--scheduler", "local", "--knn-space", "pca", "--json", str(record)]
        step(f"kmeans-{backend}-dask", command, 900)
    pair = [out / "kmeans-cpu-dask.json", out / "kmeans-gpu-dask.json"]
    if all(p.exists() for p in pair):
        step("compare-kmeans-dask", [*cb, "compare", *map(str, pair)], 120)
    text = summary(steps, out)
    (out / "summary.md").write_text(text)
    print(text)
    archive = out.with_name(out.name + ".tgz")
    with tarfile.open(archive, "w:gz") as tar:  # one file to carry back
        tar.add(out, arcname=out.name)
    if args.bring_back is not None:
        args.bring_back.mkdir(parents=True, exist_ok=True)
        shutil.copy2(archive, args.bring_back / archive.name)
        shutil.copy2(out / "summary.md", args.bring_back / "summary.md")
    failed = [s.name for s in steps.values() if not s.ok and not s.skipped]
    skipped = [s.name for s in steps.values() if s.skipped]
    print(
        f"archive: {archive}; {len(failed)} step(s) failed: {', '.join(failed) or 'none'}; "
        f"{len(skipped)} skipped for time: {', '.join(skipped) or 'none'}"
    )
    return 1 if failed or skipped else 0


if __name__ == "__main__":
    sys.exit(main())
