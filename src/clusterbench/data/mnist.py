"""Where the MNIST files come from: a directory, the user cache, or a verified download."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from clusterbench.data.idx import IMAGES_MAGIC, LABELS_MAGIC, IdxArray, read_idx
from clusterbench.errors import DataError
from clusterbench.progress import on_terminal

DATA_DIR_ENV = "CLUSTERBENCH_DATA_DIR"
CACHE_DIR_ENV = "CLUSTERBENCH_CACHE_DIR"


@dataclass(frozen=True)
class IdxFile:
    """One of the four MNIST files: its stem, IDX magic, and canonical hashes."""

    stem: str
    magic: int
    content_sha256: str  # of the decompressed bytes: the same for every mirror and for raw files
    gz_md5: str  # of the widely mirrored original .gz, checked by the downloader


MNIST_FILES: tuple[IdxFile, ...] = (
    IdxFile(
        "train-images-idx3-ubyte",
        IMAGES_MAGIC,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    ),
    IdxFile(
        "train-labels-idx1-ubyte",
        LABELS_MAGIC,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "d53e105ee54ea40749a09fcbcd1e9432",
    ),
    IdxFile(
        "t10k-images-idx3-ubyte",
        IMAGES_MAGIC,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "9fb629c4189551a2d022fa330f9573f3",
    ),
    IdxFile(
        "t10k-labels-idx1-ubyte",
        LABELS_MAGIC,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        "ec29112dd5afa0611ce80d1b7f02629c",
    ),
)

# Public mirrors of the original .gz files, tried in order.
MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]


def cache_root() -> Path:
    """The per-user cache: $CLUSTERBENCH_CACHE_DIR, else the platform's cache directory."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import pooch

    return Path(pooch.os_cache("clusterbench"))


def cache_dir() -> Path:
    """The per-user cache directory for downloaded MNIST files."""
    return cache_root() / "mnist"


def find_file(directory: Path, stem: str) -> Path | None:
    """The file for `stem` in `directory`, gzip-compressed or raw, if present."""
    for name in (f"{stem}.gz", stem):
        path = directory / name
        if path.is_file():
            return path
    return None


def missing_files(directory: Path) -> list[str]:
    return [f.stem for f in MNIST_FILES if find_file(directory, f.stem) is None]


def read_idx_dir(directory: Path, verify: bool) -> dict[str, IdxArray]:
    """Parse the four IDX files of `directory`; with `verify`, check canonical MNIST SHA-256."""
    if directory.exists() and not directory.is_dir():
        raise DataError(f"{directory}: is a file, not a data directory")
    if not directory.is_dir():
        raise DataError(f"{directory}: no such data directory")
    missing = missing_files(directory)
    if missing:
        raise DataError(
            f"{directory}: missing {', '.join(m + '[.gz]' for m in missing)}; "
            "put the four IDX files there"
        )
    parsed: dict[str, IdxArray] = {}
    for spec in MNIST_FILES:
        path = find_file(directory, spec.stem)
        assert path is not None  # checked above
        idx = read_idx(path, spec.magic)
        if verify and idx.sha256 != spec.content_sha256:
            raise DataError(
                f"{path}: SHA-256 mismatch (content {idx.sha256[:12]}..., expected "
                f"{spec.content_sha256[:12]}...): not the canonical MNIST file; "
                "use --dataset idx for other IDX data"
            )
        parsed[spec.stem] = idx
    return parsed


def download(directory: Path) -> None:
    """Fetch the four original .gz files into `directory` with pooch (MD5-checked; a progress
    bar on a terminal)."""
    import pooch

    directory.mkdir(parents=True, exist_ok=True)
    for spec in MNIST_FILES:
        fname = f"{spec.stem}.gz"
        if (directory / fname).is_file():
            continue
        errors = []
        for mirror in MIRRORS:
            try:
                pooch.retrieve(
                    url=mirror + fname,
                    known_hash=f"md5:{spec.gz_md5}",
                    fname=fname,
                    path=directory,
                    progressbar=on_terminal(),
                )
                break
            except Exception as exc:  # network errors come in many types; each mirror is tried
                errors.append(f"{mirror}: {type(exc).__name__}")
        else:
            raise DataError(
                f"could not download {fname} ({'; '.join(errors)}); without network, put the "
                f"four MNIST IDX files in {directory} or pass --data-dir DIR "
                f"(or set {DATA_DIR_ENV})"
            )


def locate(data_dir: Path | None) -> Path:
    """The MNIST directory: --data-dir, $CLUSTERBENCH_DATA_DIR, else the cache (downloading)."""
    if data_dir is not None:
        return data_dir
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    cache = cache_dir()
    if missing_files(cache):
        download(cache)
    return cache
