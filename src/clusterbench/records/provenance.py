"""Where a result came from: the code that ran, the libraries it used, and the machine.

The commit is the one of the code that ran, for any install. Run from a checkout (an editable
install, or the source tree on the path), the checkout is asked; installed from a wheel, the
commit recorded when that wheel was built (`_build_info.json`, written by setup.py) is read; where
neither exists it is None, never the commit of some checkout that happens to enclose the
environment. Library versions are looked up by import name, so pip and conda installs both report.
A record keeps all of it as its `Environment`.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from clusterbench import __version__

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # clusterbench/, above records/
BUILD_INFO = PACKAGE_DIR / "_build_info.json"
# Import names of every library a result can depend on.
LIBRARIES = (
    "numpy",
    "scipy",
    "sklearn",
    "pyamg",
    "umap",
    "pynndescent",
    "numba",
    "dask",
    "distributed",
    "threadpoolctl",
    "cuml",
    "cupy",
    "dask_cuda",
)


def git_info(directory: Path) -> dict[str, Any] | None:
    """Commit and dirty flag of the git checkout at `directory` (untracked, not ignored, files
    count as dirty); None where it is no checkout or git is missing."""

    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return out.stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return None


def _checkout_root() -> Path | None:
    """The checkout this very package lives in (src/clusterbench), else None."""
    root = PACKAGE_DIR.parent.parent
    return (
        root if (root / ".git").exists() and root / "src" / "clusterbench" == PACKAGE_DIR else None
    )


@cache
def code_version() -> dict[str, Any]:
    """{"commit", "dirty", "source"}: of the checkout that runs, or as built into the wheel."""
    root = _checkout_root()
    if root is not None:
        info = git_info(root)
        if info is not None:
            return {**info, "source": "checkout"}
    if BUILD_INFO.is_file():
        try:
            info = json.loads(BUILD_INFO.read_text())
            return {"commit": info.get("commit"), "dirty": info.get("dirty"), "source": "build"}
        except (OSError, ValueError):
            pass
    return {"commit": None, "dirty": None, "source": "unknown"}


def library_version(name: str) -> str | None:
    """A library's version by import name: the imported module's own `__version__` where it is
    imported already (importing cuml just to ask would take seconds), else its distribution's
    metadata, whatever the distribution is called (cuml-cu12 on PyPI, cuml on conda)."""
    module = sys.modules.get(name)
    if module is not None and isinstance(getattr(module, "__version__", None), str):
        return module.__version__
    for dist in _distributions().get(name, ()):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


@cache
def _distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_threads() -> list[dict[str, Any]]:
    """The native thread pools (BLAS, OpenMP) and their thread counts, as threadpoolctl sees
    them: what the CPU timings ran with."""
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "num_threads", "version", "threading_layer")
    return [{k: pool.get(k) for k in keep} for pool in threadpool_info()]


def machine_id() -> str | None:
    """The OS's identifier of this machine: two VMs may share a hostname, never this."""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            return Path(path).read_text().strip() or None
        except OSError:
            continue
    return None


def machine() -> dict[str, Any]:
    """The host's facts that a timing depends on."""
    return {
        "hostname": socket.gethostname(),
        "machine_id": machine_id(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "blas": blas_threads(),
    }


def libraries() -> dict[str, str | None]:
    return {name: library_version(name) for name in LIBRARIES}


def clusterbench_version() -> str:
    return __version__


@dataclass(frozen=True)
class Environment:
    """The machine, the libraries and the code a result came from."""

    machine: dict[str, Any]  # hostname, cpu_model, cpu_count, python, platform, blas
    libraries: dict[str, str | None]  # by import name
    clusterbench: str
    code: dict[str, Any]  # commit, dirty, source (checkout | build | unknown)
    gpu: dict[str, Any] | None = None  # name, memory, count, CUDA driver and runtime

    @property
    def host(self) -> str:
        """The machine's name in reports: its hostname, and the start of its machine id (two
        machines may share a hostname; speedups pair suites of one machine only)."""
        mid = self.machine.get("machine_id")
        return f"{self.machine['hostname']}-{mid[:6]}" if mid else self.machine["hostname"]

    def describe(self) -> str:
        m = self.machine
        gpu = f", GPU {self.gpu['gpu_name']}" if self.gpu else ", no GPU"
        return f"{m['hostname']}: {m['cpu_model']}, {m['cpu_count']} cores{gpu}"

    @classmethod
    def collect(cls, backend: Any) -> Environment:
        return cls(
            machine=machine(),
            libraries=libraries(),
            clusterbench=clusterbench_version(),
            code=code_version(),
            gpu=backend.environment() or None,
        )

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> Environment | None:
        return None if d is None else cls(**d)
