"""The pack's format, shared by `pack` (here) and `install` (on the device): stdlib only.

A pack is one uncompressed tar stream of its payload (wheels, MNIST files, the project's wheel)
cut into numbered parts of at most `part_bytes` each, so that each part can travel beside the
working tree in one device call. `manifest.json` names every part with its size and SHA-256, every
payload file with its own, and the order of the calls that carry them.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1 << 20
# pip options that fetch for the device: CPython 3.12 on manylinux x86-64, wheels only.
PLATFORMS = [
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_18_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux_2_12_x86_64",
    "manylinux2010_x86_64",
    "manylinux_2_5_x86_64",
    "manylinux1_x86_64",
    "linux_x86_64",
    "any",
]
TARGET = ["--python-version", "3.12", "--implementation", "cp", "--only-binary=:all:"]
TARGET += [arg for p in PLATFORMS for arg in ("--platform", p)]


class PackError(Exception):
    """A part or payload file that is missing, damaged or unexpected: said in one line."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def part_name(index: int) -> str:
    return f"part-{index:02d}"


class _Splitter(io.RawIOBase):
    """A write-only stream that cuts what is written into part files of at most `size` bytes."""

    def __init__(self, folder: Path, size: int) -> None:
        self.folder, self.size = folder, size
        self.parts: list[dict[str, Any]] = []
        self._file: BinaryIO | None = None
        self._digest = hashlib.sha256()
        self._written = 0

    def writable(self) -> bool:
        return True

    def _close_part(self) -> None:
        if self._file is not None:
            self._file.close()
            self.parts[-1].update(bytes=self._written, sha256=self._digest.hexdigest())
            self._file = None

    def write(self, data: bytes) -> int:  # type: ignore[override]
        view = memoryview(data)
        while view:
            if self._file is None or self._written == self.size:
                self._close_part()
                name = part_name(len(self.parts) + 1)
                self.parts.append({"name": name})
                self._file = (self.folder / name).open("wb")
                self._digest, self._written = hashlib.sha256(), 0
            take = view[: self.size - self._written]
            self._file.write(take)
            self._digest.update(take)
            self._written += len(take)
            view = view[len(take) :]
        return len(data)

    def close(self) -> None:
        self._close_part()
        super().close()


def write_parts(
    files: Iterable[tuple[Path, str]], folder: Path, part_bytes: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Write `files` (source path, name in the payload) as one tar stream cut into parts.

    Returns the parts (name, bytes, sha256) and the payload files (name, bytes, sha256).
    """
    folder.mkdir(parents=True, exist_ok=True)
    splitter = _Splitter(folder, part_bytes)
    payload = []
    with tarfile.open(fileobj=splitter, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for source, name in files:
            info = tar.gettarinfo(str(source), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            with source.open("rb") as f:
                tar.addfile(info, f)
            payload.append({"name": name, "bytes": info.size, "sha256": sha256_of(source)})
    splitter.close()
    return splitter.parts, payload


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise PackError(f"{path}: missing (it travels with every call)") from None
    except (OSError, ValueError) as exc:
        raise PackError(f"{path}: unreadable ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise PackError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT}")
    return manifest


def check_part(folder: Path, part: dict[str, Any], full: bool = True) -> None:
    """Raise PackError naming the part when it is missing, of another size or damaged (the
    SHA-256 is read only when `full`)."""
    path = folder / part["name"]
    if not path.is_file():
        raise PackError(f"{part['name']}: missing")
    size = path.stat().st_size
    if size != part["bytes"]:
        raise PackError(f"{part['name']}: {size} bytes, expected {part['bytes']} (damaged)")
    if full and sha256_of(path) != part["sha256"]:
        raise PackError(f"{part['name']}: SHA-256 differs from the manifest's (damaged)")


class _Joined(io.RawIOBase):
    """The parts read back as one stream, in order."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths: Iterator[Path] = iter(paths)
        self._file: BinaryIO | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._file is None:
                path = next(self._paths, None)
                if path is None:
                    return 0
                self._file = path.open("rb")
            n = self._file.readinto(buffer)
            if n:
                return n
            self._file.close()
            self._file = None


def extract(folder: Path, manifest: dict[str, Any], target: Path) -> list[Path]:
    """Join the parts, unpack the payload into `target` and check every file's SHA-256."""
    target.mkdir(parents=True, exist_ok=True)
    expected = {f["name"]: f for f in manifest["files"]}
    joined = io.BufferedReader(_Joined([folder / p["name"] for p in manifest["parts"]]), CHUNK)
    seen = []
    with tarfile.open(fileobj=joined, mode="r|") as tar:
        for member in tar:
            if member.name not in expected or not member.isfile():
                raise PackError(f"payload: unexpected entry {member.name!r}")
            tar.extract(member, target, filter="data")
            seen.append(member.name)
    for name, entry in expected.items():
        path = target / name
        if name not in seen or sha256_of(path) != entry["sha256"]:
            raise PackError(f"payload: {name} missing or damaged after joining the parts")
    return [target / name for name in seen]
