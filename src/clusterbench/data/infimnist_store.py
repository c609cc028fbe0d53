"""Generated digits on disk: one memory-mapped file per recipe, grown on demand over Dask
workers, read back by later runs.

Digit i never depends on how many are asked for, so the file holds a prefix of the infinite
sequence: asking for more extends it, asking for fewer reads its start. `meta.json` records how
long the finished prefix is; it advances as chunks finish, so an interrupted run keeps its work
and the next one starts where it stopped. Workers write their own rows into the file, so the
digits stream to disk and never gather in one process's memory. A lock on the directory makes a
second process wait for the first and then read what it made.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from clusterbench.data import infimnist, mnist
from clusterbench.errors import DataError
from clusterbench.outputs import write_text
from clusterbench.progress import Log, progress_bar

CHUNK = 20_000  # digits per task: ~8 s of work, 16 MB written
IN_PROCESS_MAX = CHUNK  # below this many missing digits a worker pool costs more than it saves


@lru_cache(maxsize=2)
def _train_images(source_dir: str) -> np.ndarray:
    """The verified canonical training digits as (60000, 784) uint8, read once per process."""
    parsed = mnist.read_idx_dir(Path(source_dir), verify=True)
    return parsed["train-images-idx3-ubyte"].array.reshape(infimnist.N_SOURCE, -1)


def fill_rows(
    source_dir: str, path: str, rows: int, start: int, stop: int, recipe: infimnist.Deformation
) -> int:
    """Generate digits start..stop-1 into the file of `rows` digits at `path` (a Dask task)."""
    images = np.memmap(path, dtype=np.uint8, mode="r+", shape=(rows, infimnist.PIXELS))
    images[start:stop] = infimnist.generate(_train_images(source_dir), start, stop, recipe)
    images.flush()
    del images
    return stop - start


@dataclass(frozen=True)
class Store:
    """The cache of one recipe's digits: `images.u8` (n x 784 uint8) and `meta.json`."""

    directory: Path
    fingerprint: str
    recipe: infimnist.Deformation

    @classmethod
    def for_recipe(cls, recipe: infimnist.Deformation, source_sha256: str) -> Store:
        fingerprint = recipe.fingerprint(source_sha256)
        return cls(mnist.cache_root() / "infimnist" / fingerprint[:16], fingerprint, recipe)

    @classmethod
    def for_mnist(cls, directory: Path) -> Store:
        """The default recipe's cache for the canonical digits in `directory` (verified)."""
        parsed = mnist.read_idx_dir(directory, verify=True)
        return cls.for_recipe(infimnist.DEFAULT, parsed["train-images-idx3-ubyte"].sha256)

    @property
    def images_path(self) -> Path:
        return self.directory / "images.u8"

    def n_done(self) -> int:
        """How many digits, from 0, the file holds finished."""
        meta = self.directory / "meta.json"
        if not meta.is_file() or not self.images_path.is_file():
            return 0
        try:
            recorded = json.loads(meta.read_text())
            done = int(recorded["n_done"]) if recorded["fingerprint"] == self.fingerprint else 0
        except (ValueError, KeyError, TypeError):
            return 0  # a damaged record: regenerate rather than trust it
        return max(0, min(done, self.images_path.stat().st_size // infimnist.PIXELS))

    def _record(self, n_done: int) -> None:
        import scipy

        meta = {"fingerprint": self.fingerprint, "recipe": asdict(self.recipe)}
        meta |= {"generator_version": infimnist.GENERATOR_VERSION, "n_done": n_done}
        meta |= {"numpy": np.__version__, "scipy": scipy.__version__}
        write_text(self.directory / "meta.json", json.dumps(meta, indent=2) + "\n")

    def read(self, n: int) -> np.ndarray:
        """The first n digits, memory-mapped read-only."""
        return np.memmap(self.images_path, dtype=np.uint8, mode="r", shape=(n, infimnist.PIXELS))

    def _grow_file(self, rows: int) -> None:
        """Make the file hold `rows` digits, its blocks reserved (never shrinking it), so that
        a full disk is a one-line error now rather than a crash in a worker later."""
        needed = rows * infimnist.PIXELS - self._size()
        if needed > 0:
            free = shutil.disk_usage(self.directory).free
            if needed > free:
                raise DataError(
                    f"{self.directory}: {rows:,} digits need {needed / 1e9:.1f} GB more, "
                    f"{free / 1e9:.1f} GB free (set CLUSTERBENCH_CACHE_DIR elsewhere)"
                )
            with open(self.images_path, "ab") as f:
                os.posix_fallocate(f.fileno(), 0, rows * infimnist.PIXELS)

    def _size(self) -> int:
        return self.images_path.stat().st_size if self.images_path.exists() else 0

    @contextmanager
    def _locked(self, log: Log) -> Iterator[None]:
        """This recipe's cache to this process alone (released by the kernel if it dies)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock = open(self.directory / ".lock", "a")  # noqa: SIM115 - held across the yield
        except OSError as exc:
            raise DataError(
                f"{self.directory}: cannot use the cache ({exc.strerror}); set "
                f"{mnist.CACHE_DIR_ENV} to a writable directory"
            ) from None
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log(f"infimnist: waiting for another process using {self.directory}")
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def ensure(self, source_dir: Path, n: int, log: Log, client: Any = None) -> np.ndarray:
        """The first n digits, generating the missing ones (over Dask workers when many: those
        of `client` if given, else a local cluster's)."""
        with self._locked(log):
            return self._ensure(source_dir, n, log, client)

    def _ensure(self, source_dir: Path, n: int, log: Log, client: Any = None) -> np.ndarray:
        done = self.n_done()
        if done >= n:
            log(f"infimnist: {n:,} digits from the cache {self.images_path}")
            return self.read(n)
        self._grow_file(n)
        rows = self._size() // infimnist.PIXELS
        chunks = [(s, min(s + CHUNK, n)) for s in range(done, n, CHUNK)]
        log(f"infimnist: generating digits {done:,} to {n - 1:,} into {self.images_path}")
        start = time.perf_counter()
        with progress_bar(n - done, "infimnist", "digit") as bar:
            finished: set[int] = set()
            prefix = done
            for chunk_start, count in self._run(str(source_dir), rows, chunks, client):
                bar.update(count)
                finished.add(chunk_start)
                while prefix in finished:  # advance the finished prefix, never past a gap
                    finished.discard(prefix)
                    prefix = min(prefix + CHUNK, n)
                self._record(max(prefix, self.n_done()))
        seconds = time.perf_counter() - start
        log(
            f"infimnist: {n - done:,} digits in {seconds:.1f} s "
            f"({(n - done) / seconds:,.0f} digits/s); cached for later runs"
        )
        return self.read(n)

    def _run(
        self, source_dir: str, rows: int, chunks: list[tuple[int, int]], client: Any
    ) -> Iterator[tuple[int, int]]:
        """Yield (chunk start, digits) as chunks finish: in this process when few are missing,
        else on `client`'s workers (they share this machine's disk), or on a local Dask cluster
        of one single-threaded worker process per core."""
        path = str(self.images_path)
        if chunks[-1][1] - chunks[0][0] <= IN_PROCESS_MAX:
            for a, b in chunks:
                yield a, fill_rows(source_dir, path, rows, a, b, self.recipe)
            return
        from distributed import Client

        if client is not None:
            yield from self._submit(client, source_dir, path, rows, chunks)
            return

        from clusterbench.backends import Backend
        from clusterbench.registry import CLUSTERS, DaskOptions

        workers = min(len(chunks), os.cpu_count() or 1)
        cluster = Backend("infimnist generation").build(CLUSTERS["local"], DaskOptions(workers))
        with cluster, Client(cluster) as own:
            yield from self._submit(own, source_dir, path, rows, chunks)

    def _submit(
        self, client: Any, source_dir: str, path: str, rows: int, chunks: list[tuple[int, int]]
    ) -> Iterator[tuple[int, int]]:
        from distributed import as_completed

        futures = {
            client.submit(fill_rows, source_dir, path, rows, a, b, self.recipe, pure=False): a
            for a, b in chunks
        }
        for future in as_completed(futures):
            yield futures[future], future.result()
