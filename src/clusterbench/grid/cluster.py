"""Where a grid's tasks run: a local Dask cluster (CPU processes or threads, or dask-cuda
workers) or a running scheduler, reached or refused in one line before any work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from clusterbench.backends import Backend
from clusterbench.pipeline.cluster import ClusterSpec, remote_client
from clusterbench.progress import Log
from clusterbench.registry import CLUSTERS

MAX_OVERSUBSCRIPTION = 4  # local threads per core beyond which a machine only thrashes


def remote(config: Any) -> bool:
    """Whether the grid runs on a running scheduler rather than a local cluster."""
    return not ClusterSpec(config.scheduler, config.scheduler_file).is_local


@contextmanager
def dask_client(config: Any, engine: Any, backend: Backend, log: Log) -> Iterator[Any]:
    """A client of the given scheduler, or of a local cluster started for this run."""
    from distributed import Client

    cluster = None
    if remote(config):
        client = remote_client(config.scheduler, config.scheduler_file)
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
