"""Where a distributed run runs: a local Dask cluster it starts, or an existing scheduler (an
address or a scheduler file), and what each worker's memory peaked at."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clusterbench import files
from clusterbench.backends import Backend
from clusterbench.errors import ConfigError
from clusterbench.pipeline.memory import peak_rss, reset_peak_rss
from clusterbench.progress import Log
from clusterbench.registry import CLUSTERS, DaskOptions

CONNECT_TIMEOUT_S = 30


def check_scheduler_file(path: Path) -> None:
    """A scheduler file is JSON naming an address (Dask would wait for a missing one forever)."""
    try:
        address = json.loads(files.read_text(path)).get("address")
    except (json.JSONDecodeError, AttributeError):
        address = None
    if not isinstance(address, str):
        raise ConfigError(f"--scheduler-file {path}: not a Dask scheduler file (no address)")


def remote_client(scheduler: str, scheduler_file: Path | None) -> Any:
    """A client of a running scheduler (by its file, else its address), or one line saying why
    there is none."""
    from distributed import Client

    where = scheduler_file or scheduler
    try:
        if scheduler_file is not None:
            return Client(scheduler_file=str(scheduler_file), timeout=CONNECT_TIMEOUT_S)
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:  # unreachable, refused
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot reach the Dask scheduler {where}: {reason}") from None


@dataclass(frozen=True)
class ClusterSpec:
    """`scheduler`: "local" (start a cluster of `workers` single-threaded worker processes, or
    one dask-cuda worker per GPU) or a running scheduler's address; or `scheduler_file` of a
    running one (whose workers are its own: `workers` is for a local cluster only)."""

    scheduler: str | None = None
    scheduler_file: Path | None = None
    workers: int | None = None

    @property
    def is_local(self) -> bool:
        return self.scheduler == "local" and self.scheduler_file is None

    def check(self) -> None:
        """Refuse what cannot work, before any work."""
        if self.scheduler_file is not None:
            check_scheduler_file(self.scheduler_file)
        if not self.is_local and self.workers is not None:
            raise ConfigError("--workers sizes a local cluster; a running scheduler has its own")

    def describe(self) -> str:
        if self.scheduler_file is not None:
            return f"scheduler file {self.scheduler_file}"
        return "a local cluster" if self.is_local else f"scheduler {self.scheduler}"


@contextmanager
def connect(spec: ClusterSpec, backend: Backend, log: Log) -> Iterator[Any]:
    """A distributed Client for `spec`; a local cluster lives as long as the block."""
    from distributed import Client

    if spec.is_local:
        cluster = backend.build(CLUSTERS["local"], DaskOptions(spec.workers))
        with cluster, Client(cluster) as client:
            announce(client, log)
            yield client
        return
    with remote_client(spec.scheduler or "", spec.scheduler_file) as client:
        with suppress(TimeoutError):  # a scheduler just started may not have workers yet
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)  # (announce refuses none)
        announce(client, log)
        yield client


def workers(client: Any) -> dict[str, dict[str, Any]]:
    """Each worker's threads and memory limit, by address."""
    info = client.scheduler_info(n_workers=-1)["workers"]
    return {
        address: {"threads": w.get("nthreads"), "memory_limit_bytes": w.get("memory_limit")}
        for address, w in sorted(info.items())
    }


def announce(client: Any, log: Log) -> None:
    found = workers(client)
    if not found:
        raise ConfigError(f"the Dask scheduler {client.scheduler.address} has no workers")
    threads = sum(w["threads"] or 0 for w in found.values())
    log(
        f"dask: {len(found)} workers, {threads} threads, scheduler {client.scheduler.address}; "
        f"dashboard {client.dashboard_link}"
    )


class WorkerPeaks:
    """Each worker process's peak resident memory between `start` and `read` (the kernel's
    VmHWM, reset at `start`): what a stage cost each worker, exactly, without sampling."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exact = True  # False once a worker could not reset its peak

    def start(self) -> None:
        self.exact &= all(self._client.run(reset_peak_rss).values())

    def read(self) -> dict[str, int]:
        return dict(sorted(self._client.run(peak_rss).items()))
