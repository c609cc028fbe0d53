"""The commit a record names is the one of the code that ran, for any kind of install."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import clusterbench
from clusterbench.records import provenance

PACKAGE = Path(clusterbench.__file__).resolve().parent
ROOT = PACKAGE.parent.parent
ASK = "import json, clusterbench.records.provenance as p; print(json.dumps(p.code_version()))"

pytestmark = pytest.mark.skipif(
    not (ROOT / ".git").exists(), reason="needs the package to run from a git checkout"
)


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def code_version_in(site: Path, cwd: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", ASK],
        cwd=cwd,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_a_checkout_names_its_own_commit():
    version = provenance.code_version()
    assert version["source"] == "checkout"
    assert version["commit"] == git("rev-parse", "HEAD").strip()
    assert version["dirty"] == bool(git("status", "--porcelain").strip())


def test_a_wheel_installed_outside_the_checkout_names_the_commit_it_was_built_from(tmp_path):
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [*argv, "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("clusterbench-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    built = json.loads((site / "clusterbench" / "_build_info.json").read_text())
    assert built["commit"] == git("rev-parse", "HEAD").strip()
    version = code_version_in(site, cwd=tmp_path)
    assert version == {**built, "source": "build"}


def test_an_install_inside_another_checkout_names_no_commit(tmp_path):
    """A copy of the package with no build record, in an environment that lies inside some
    other git checkout: the record says it does not know, rather than naming that checkout."""
    other = tmp_path / "other-project"
    site = other / ".venv" / "lib" / "site-packages"
    shutil.copytree(
        PACKAGE,
        site / "clusterbench",
        ignore=shutil.ignore_patterns("_build_info.json", "__pycache__"),
    )
    git("init", "-q", cwd=other)
    git(
        "-c",
        "user.email=a@b",
        "-c",
        "user.name=a",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
        cwd=other,
    )
    version = code_version_in(site, cwd=other)
    assert version == {"commit": None, "dirty": None, "source": "unknown"}
