"""Where a grid's tasks run: a local Dask cluster (CPU processes or threads, or dask-cuda
workers) or a running scheduler, reached or refused in one line before any work."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from clusterbench import files
from clusterbench.backends import Backend
from clusterbench.errors import ConfigError
from clusterbench.registry import CLUSTERS

Log = Callable[[str], None]
MAX_OVERSUBSCRIPTION = 4  # local threads per core beyond which a machine only thrashes


def check_scheduler_file(path: Path) -> None:
    """A scheduler file is JSON naming an address (Dask would wait for a missing one forever)."""
    try:
        address = json.loads(files.read_text(path)).get("address")
    except (json.JSONDecodeError, AttributeError):
        address = None
    if not isinstance(address, str):
        raise ConfigError(f"--scheduler-file {path}: not a Dask scheduler file (no address)")


def remote(config: Any) -> bool:
    """Whether the grid runs on a running scheduler rather than a local cluster."""
    return config.scheduler != "local" or config.scheduler_file is not None


def remote_client(config: Any) -> Any:
    """A client of the running scheduler, or one line saying why there is none."""
    from distributed import Client

    where = config.scheduler_file or config.scheduler
    try:
        if config.scheduler_file is not None:
            return Client(scheduler_file=str(config.scheduler_file), timeout="30s")
        return Client(config.scheduler, timeout="30s")
    except (OSError, ValueError, TypeError) as exc:  # unreachable, refused, malformed
        raise ConfigError(f"cannot reach the Dask scheduler {where}: {exc}") from None


@contextmanager
def dask_client(config: Any, engine: Any, backend: Backend, log: Log) -> Iterator[Any]:
    """A client of the given scheduler, or of a local cluster started for this run."""
    from distributed import Client

    cluster = None
    if remote(config):
        client = remote_client(config)
    else:
        options = replace(config.dask, processes=config.dask.processes and not engine.in_process)
        on = backend if engine.cluster_on_device else Backend("the sweep's host work")
        cluster = on.build(CLUSTERS["local"], options)
        client = Client(cluster)
    try:
        workers = len(client.scheduler_info()["workers"])
        log(f"dask: {workers} worker(s), dashboard {client.dashboard_link}")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
