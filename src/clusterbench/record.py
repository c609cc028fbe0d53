"""Versioned JSON result records and the machine facts that travel with every result."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from clusterbench import __version__
from clusterbench.backends import Backend
from clusterbench.errors import ClusterbenchError

SCHEMA_VERSION = 1
PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "pyamg",
    "dask",
    "distributed",
    "cuml-cu12",
    "cupy-cuda12x",
    "dask-cuda",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(Path(__file__).parent), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def environment(backend: Backend) -> dict[str, Any]:
    """Python, package versions, CPU, host, git commit; GPU facts when the GPU backend ran."""
    commit = _git("rev-parse", "HEAD")
    return {
        "clusterbench": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "hostname": socket.gethostname(),
        "packages": {name: _version(name) for name in PACKAGES},
        "git_commit": commit,
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no"))
        if commit
        else None,
        **backend.environment(),
    }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_writable(path: Path) -> None:
    """Fail before the work starts, not after, when a result could not be saved."""
    parent = path.expanduser().resolve().parent
    if not parent.is_dir():
        raise ClusterbenchError(f"{path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ClusterbenchError(f"{path}: not writable")


def write_json(record: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(record, indent=2) + "\n")
        tmp.replace(path)
    except OSError as exc:
        raise ClusterbenchError(f"{path}: cannot write ({exc.strerror})") from None
