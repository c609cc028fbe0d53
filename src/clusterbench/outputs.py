"""Where results go: checked before the work starts, directories made when written, never
overwriting another run's file by accident."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from clusterbench.errors import ClusterbenchError


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


def check_directory(directory: Path, option: str) -> None:
    """`directory` exists and is writable, or can be made: fail before the work, not after."""
    directory = directory.expanduser().absolute()
    existing = _nearest_existing(directory)
    if not existing.is_dir():
        raise ClusterbenchError(f"{option} {directory}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK):
        raise ClusterbenchError(f"{option} {directory}: {existing} is not writable")


def check_file(path: Path, option: str) -> None:
    """`path` can be written (its directory made where missing); fail before the work."""
    resolved = path.expanduser().absolute()
    if resolved.is_dir():
        raise ClusterbenchError(f"{option} {path}: is a directory; give a file name")
    if resolved.exists() and not os.access(resolved, os.W_OK):
        raise ClusterbenchError(f"{option} {path}: not writable")
    check_directory(resolved.parent, option)


def make_parent(path: Path) -> None:
    try:
        path.expanduser().absolute().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClusterbenchError(f"{path}: cannot make its directory ({exc.strerror})") from None


def write_text(path: Path, text: str, exclusive: bool = False) -> Path:
    """Write `text` atomically (a killed run leaves no half file); return the path written.

    `exclusive`: never replace an existing file; take `name-2.json`, `name-3.json`, ... instead,
    so two runs that pick the same name both keep their result.
    """
    make_parent(path)
    target = path
    if exclusive:
        n = 1
        while target.exists():
            n += 1
            target = path.with_name(f"{path.stem}-{n}{path.suffix}")
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ClusterbenchError(f"{target}: cannot write ({exc.strerror})") from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        if exclusive:
            os.link(tmp, target)  # fails if another process took the name meanwhile
            tmp.unlink()
        else:
            tmp.replace(target)
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        return write_text(path, text, exclusive)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ClusterbenchError(f"{target}: cannot write ({exc.strerror})") from None
    return target
