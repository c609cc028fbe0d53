"""Strict reader for the IDX format (MNIST's file format), gzip-compressed or raw."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clusterbench import files
from clusterbench.errors import DataError

IMAGES_MAGIC = 0x00000803  # uint8, 3 dimensions
LABELS_MAGIC = 0x00000801  # uint8, 1 dimension
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class IdxArray:
    """A parsed IDX file and the SHA-256 of its decompressed bytes."""

    array: np.ndarray
    sha256: str


def read_bytes(path: Path) -> bytes:
    """Return the file's content, decompressed when it is gzip (detected by its magic bytes)."""
    raw = files.read_bytes(path)
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt gzip data ({exc})") from None


def parse_idx(content: bytes, expected_magic: int, source: str) -> np.ndarray:
    """Parse IDX bytes, checking magic number, dimensions and exact payload length."""
    if len(content) < 4:
        raise DataError(f"{source}: too short for an IDX header ({len(content)} bytes)")
    magic = int.from_bytes(content[:4], "big")
    if magic != expected_magic:
        raise DataError(
            f"{source}: wrong magic number 0x{magic:08x}, expected 0x{expected_magic:08x}"
        )
    ndim = magic & 0xFF
    header_len = 4 + 4 * ndim
    if len(content) < header_len:
        raise DataError(f"{source}: header truncated ({len(content)} of {header_len} bytes)")
    dims = tuple(
        int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big", signed=True) for i in range(ndim)
    )
    if any(d <= 0 for d in dims):
        raise DataError(f"{source}: invalid dimensions {dims}")
    expected = int(np.prod(dims))
    payload = len(content) - header_len
    if payload != expected:
        kind = "truncated" if payload < expected else "has trailing bytes"
        raise DataError(
            f"{source}: payload {kind}: {payload} bytes, dimensions {dims} need {expected}"
        )
    return np.frombuffer(content, dtype=np.uint8, offset=header_len).reshape(dims)


def read_idx(path: Path, expected_magic: int) -> IdxArray:
    """Read and strictly parse one IDX file (gzip or raw)."""
    content = read_bytes(path)
    array = parse_idx(content, expected_magic, str(path))
    return IdxArray(array=array, sha256=hashlib.sha256(content).hexdigest())
