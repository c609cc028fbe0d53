"""The grid's engines: how its configurations become Dask tasks. The loop fits DBSCAN once per
configuration; the sweep labels every eps of a min_samples from one neighbour graph."""

from __future__ import annotations

import time
from typing import Any

from clusterbench.backends import Backend
from clusterbench.grid.tasks import Config, loop_batch, sweep_batch
from clusterbench.progress import Log
from clusterbench.registry import STEPS

DEFAULT_BATCH_SIZE = 10


class LoopEngine:
    """One DBSCAN fit per configuration, batched: the study's method, on Dask."""

    name = "loop"
    task = staticmethod(loop_batch)
    cluster_on_device = True  # each task fits DBSCAN on the backend: dask-cuda on the GPU
    in_process = False  # worker processes: scikit-learn's DBSCAN holds the GIL in places
    retry_singly = True  # a batch whose worker keeps dying is retried one configuration a task

    def shared(
        self, X: Any, y: Any, todo: list[Config], backend: Backend, log: Log
    ) -> tuple[dict, float | None]:
        """What every task gets, and the seconds of work on the backend it took (none here)."""
        return {"X": X, "y": y}, None

    def batches(self, todo: list[Config], batch_size: int | None) -> list[list[Config]]:
        todo = sorted(todo, key=lambda c: -c[0])  # large eps are slowest: start them first
        size = batch_size or DEFAULT_BATCH_SIZE
        return [todo[i : i + size] for i in range(0, len(todo), size)]


class SweepEngine:
    """Every eps of a min_samples from one neighbour graph: one Dask task per min_samples.

    The graph is built on the backend (scikit-learn's exact distances on the CPU, cuML's radius
    query on the GPU); the union-find sweep over it runs on the host's cores, in a local CPU
    cluster on every backend, so a GPU grid's time is the GPU's graph plus the host's sweep: the
    record keeps the two apart (GridTiming.graph_s, .host_sweep_s) and the rows say "host".
    """

    name = "sweep"
    task = staticmethod(sweep_batch)
    cluster_on_device = False  # the union-find sweep is host work: CPU workers on any backend
    in_process = True  # threads share the graph; the sweep kernel releases the GIL
    retry_singly = False  # one min_samples is one sweep: it cannot be split

    def shared(
        self, X: Any, y: Any, todo: list[Config], backend: Backend, log: Log
    ) -> tuple[dict, float | None]:
        """What every task gets (the graph, features, labels), and the graph's seconds."""
        import psutil

        from clusterbench.grid.sweep import GPU_GRAPH_BYTES_PER_EDGE, check_graph_fits

        eps_max = max(e for e, _ in todo)
        need = check_graph_fits(X, eps_max, psutil.virtual_memory().available // 2)
        if backend.column == "gpu":  # built on the device first: it must fit there too
            free = backend.free_memory() // 2
            check_graph_fits(X, eps_max, free, "free on the device", GPU_GRAPH_BYTES_PER_EDGE)
        log(f"sweep: neighbour graph up to eps {eps_max:g}, about {need / 2**20:.0f} MiB ...")
        start = time.perf_counter()
        graph = backend.function(STEPS["neighbour_graph"])(X, eps_max, n_jobs=-1)
        graph_s = time.perf_counter() - start
        log(f"sweep: {graph.csr.nnz} neighbour pairs in {graph_s:.1f} s")
        return {"graph": graph, "X": X, "y": y}, graph_s

    def batches(self, todo: list[Config], batch_size: int | None) -> list[list[Config]]:
        by_m: dict[int, list[Config]] = {}
        for eps, m in todo:
            by_m.setdefault(m, []).append((eps, m))
        return [by_m[m] for m in sorted(by_m)]  # small min_samples have most edges: first


ENGINES = {engine.name: engine for engine in (SweepEngine(), LoopEngine())}
