"""bench/gpu_check.py runs every step whatever fails, then summarises and archives: shown
against a stub `clusterbench` whose first compare fails, and a stub pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from clusterbench.registry import METHODS

ROOT = Path(__file__).resolve().parents[1]

STUB = """
import json, sys
from pathlib import Path
calls = Path(sys.argv[1])
argv = sys.argv[2:]
with calls.open("a") as f:
    f.write(json.dumps(argv) + "\\n")
if argv[0] == "run":
    Path(argv[argv.index("--json") + 1]).write_text("{}")
if argv[0] == "compare" and argv[2].endswith("kmeans-gpu.json"):
    print("MISMATCH kmeans: test_accuracy differs by 0.1000")
    sys.exit(1)
"""


def check(tmp_path: Path, stub_text: str, *options: str) -> subprocess.CompletedProcess:
    """bench/gpu_check.py against a stub that logs its calls to tmp_path/calls.jsonl."""
    stub = tmp_path / "stub.py"
    stub.write_text(stub_text)
    command = f"{sys.executable} {stub} {tmp_path / 'calls.jsonl'}"
    env = {**os.environ, "CLUSTERBENCH": command, "PYTEST": command, "NVIDIA_SMI": command}
    script = str(ROOT / "bench" / "gpu_check.py")
    return subprocess.run(
        [sys.executable, script, str(tmp_path), "--out", str(tmp_path / "check"), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_failed_compare_stops_nothing(tmp_path):
    calls, out = tmp_path / "calls.jsonl", tmp_path / "check"
    proc = check(tmp_path, STUB, "--bring-back", str(tmp_path / "back"))
    assert proc.returncode == 1, proc.stdout + proc.stderr  # a step failed: said at the end
    done = [json.loads(line) for line in calls.read_text().splitlines()]
    commands = [c[0] if c else "nvidia-smi" for c in done]
    first_compare = commands.index("compare")
    assert done[first_compare][1].endswith("kmeans-cpu.json")  # the one that fails
    # Everything after the failed compare still ran: every method on both backends, every
    # compare, the grid and the budget.
    runs = {
        (c[c.index("--method") + 1], c[c.index("--backend") + 1]) for c in done if c[:1] == ["run"]
    }
    on_gpu = [m for m, pair in METHODS.items() if pair.gpu is not None]
    assert runs == {(m, b) for m in METHODS for b in ("cpu", "gpu-accel")} | {
        (m, "gpu") for m in on_gpu
    }
    # gpu and gpu-accel against cpu (gpu only where cuML has the method), and on Dask workers
    assert commands.count("compare") == len(METHODS) + len(on_gpu) + 1
    assert commands[-5:] == ["grid", "budget", "run", "run", "compare"]
    on_workers = [c for c in done if "--scheduler" in c]
    assert [c[c.index("--backend") + 1] for c in on_workers] == ["cpu", "gpu"]
    assert done[0] == []  # the stub nvidia-smi, then pytest -m gpu, then the runs
    assert done[1][:2] == ["-m", "gpu"] and done[2][0] == "run"
    summary = (out / "summary.md").read_text()
    assert "| kmeans | gpu | n/a | n/a | no record | DIFFERENT |" in summary
    assert "| kmeans | gpu-accel | n/a | n/a | no record | same |" in summary
    assert "| spectral | gpu | n/a | n/a | no record | same |" in summary
    assert "| kmeans | gpu on Dask workers | n/a | n/a | no record | same |" in summary
    with tarfile.open(out.with_name("check.tgz")) as tar:
        assert "check/summary.md" in tar.getnames()
        assert "check/compare-kmeans.log" in tar.getnames()
    assert "step(s) failed: " in proc.stdout and "compare-kmeans" in proc.stdout
    # what comes back from a device: the archive and the summary, nothing else
    assert sorted(p.name for p in (tmp_path / "back").iterdir()) == ["check.tgz", "summary.md"]


def test_the_budget_skips_what_it_cannot_hold(tmp_path):
    """Each step gets what is left of --budget-s; a step with too little left is skipped, said
    in the summary, and the check exits non-zero: a device command is never overrun. What ran so
    far is brought back after every step."""
    slow = STUB.replace("argv = sys.argv[2:]", "argv = sys.argv[2:]\nimport time; time.sleep(1)")
    proc = check(tmp_path, slow, "--budget-s", "50", "--bring-back", str(tmp_path / "back"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = (tmp_path / "check" / "summary.md").read_text()
    assert summary.count("skipped: out of time") >= 5  # most of the check does not fit in 50 s
    assert "| gpu-tests | ok |" in summary
    assert "| compare-kmeans-dask | skipped: out of time |" not in summary  # never reached
    assert "| kmeans-gpu-dask | skipped: out of time |" in summary  # the last steps: skipped
    ran = len((tmp_path / "calls.jsonl").read_text().splitlines())
    assert 2 <= ran <= 16  # about (50 - 15 - 20) s of 1-second steps, then nothing more
    skipped = proc.stdout.split("skipped for time: ")[1]
    assert "kmeans-gpu-dask" in skipped and "gpu-tests" not in skipped
    assert (tmp_path / "back" / "summary.md").read_text() == summary


def test_umap_methods_are_timed_on_the_fast_path(tmp_path):
    check(tmp_path, STUB)
    done = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    runs = [c for c in done if c[:1] == ["run"] and "--scheduler" not in c]
    for c in runs:
        fast = c[c.index("--method") + 1].startswith("umap-")
        assert (c[c.index("--umap-mode") + 1] == "fast") if fast else "--umap-mode" not in c
    assert any("--umap-mode" in c for c in runs)
