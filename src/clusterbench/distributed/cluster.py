"""Where a distributed run runs: a local Dask cluster it starts, or an existing scheduler (an
address or a scheduler file), and what each worker's memory peaked at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clusterbench.backends import Backend
from clusterbench.errors import ConfigError
from clusterbench.memory import peak_rss, reset_peak_rss
from clusterbench.registry import CLUSTERS, DaskOptions

Log = Callable[[str], None]
CONNECT_TIMEOUT_S = 30


@dataclass(frozen=True)
class ClusterSpec:
    """`scheduler`: "local" (start a cluster of `workers` single-threaded worker processes, or
    one dask-cuda worker per GPU) or a scheduler's address; or `scheduler_file` of a running one
    (then `workers`, if given, is how many to wait for)."""

    scheduler: str | None = None
    scheduler_file: Path | None = None
    workers: int | None = None

    @property
    def is_local(self) -> bool:
        return self.scheduler == "local"

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
    try:
        if spec.scheduler_file is not None:
            client = Client(scheduler_file=str(spec.scheduler_file), timeout=CONNECT_TIMEOUT_S)
        else:
            client = Client(spec.scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot reach the Dask {spec.describe()}: {reason}") from None
    with client:
        if spec.workers:
            log(f"dask: waiting for {spec.workers} workers")
            client.wait_for_workers(spec.workers, timeout=CONNECT_TIMEOUT_S * 10)
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

    def start(self) -> None:
        self._client.run(reset_peak_rss)

    def read(self) -> dict[str, int]:
        return dict(sorted(self._client.run(peak_rss).items()))
