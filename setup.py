"""Records the commit of the code a wheel is built from (clusterbench/_build_info.json), so
that an installed clusterbench can say which code ran; everything else is in pyproject.toml."""

import json
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _git(*args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


class BuildPyWithCommit(build_py):
    def run(self) -> None:
        super().run()
        try:  # an sdist or a copy without .git: no commit is known, and none is written
            if Path(_git("rev-parse", "--show-toplevel")).resolve() != ROOT:
                return  # a copy inside some other checkout: that checkout's commit is not ours
            info = {
                "commit": _git("rev-parse", "HEAD"),
                "dirty": bool(_git("status", "--porcelain")),
            }
        except (OSError, subprocess.SubprocessError):
            return
        target = Path(self.build_lib) / "clusterbench" / "_build_info.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(info) + "\n")


setup(cmdclass={"build_py": BuildPyWithCommit})
