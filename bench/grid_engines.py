"""Sweep engine vs loop engine on the study's DBSCAN grid, measured in one run on this machine.

The sweep engine runs the full grid (1,000 configurations) end to end, as `clusterbench grid
--engine sweep` does. The loop engine fits scikit-learn's DBSCAN on a sample of configurations
spread over the grid (every 12th eps x every 7th min_samples: 15), one process per core as its
Dask workers do; its time per configuration is extrapolated to the whole grid. Both figures are
compute alone: the sweep's excludes loading, PCA and the Dask start-up (its record keeps the
wall time too), as the loop's fit times do. The two alternate over two rounds, and every sampled
configuration's labels are compared with the sweep's.

    python bench/grid_engines.py --data-dir ../shared/data/mnist [--out results/]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.cluster import DBSCAN

from clusterbench.backends import Backend
from clusterbench.data import DataOptions
from clusterbench.grid.runner import GridConfig, prepare, run_grid
from clusterbench.grid.spec import GridSpec
from clusterbench.grid.sweep import neighbour_graph, sweep
from clusterbench.records import Environment, StudyRecord


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("CLUSTERBENCH_DATA_DIR"))
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    full = GridSpec.parse()
    sample = [(e, m) for m in full.min_samples[::7] for e in full.eps[::12]]
    workers = os.cpu_count() or 1
    config = GridConfig(data=DataOptions(data_dir=args.data_dir), engine="sweep", backend="cpu")
    X, y, header = prepare(config, Backend(), lambda _: None)

    sweep_walls, sweep_compute, loop_fits = [], [], {}
    halves = [sample[0::2], sample[1::2]]
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            out = Path(tmp) / f"sweep-{round_}.jsonl"
            start = time.perf_counter()
            grid = run_grid(replace(config, out=out), lambda _: None).record
            sweep_walls.append(time.perf_counter() - start)
            sweep_compute.append(grid.timing.compute_s)
            print(
                f"round {round_ + 1}: sweep, 1,000 configurations, {sweep_compute[-1]:.1f} s "
                f"computing ({sweep_walls[-1]:.1f} s with data, PCA and Dask start-up)"
            )
            for eps, m in halves[round_ % 2]:
                start = time.perf_counter()
                DBSCAN(eps=eps, min_samples=m, n_jobs=1).fit(X)
                loop_fits.setdefault((eps, m), []).append(time.perf_counter() - start)
            print(f"round {round_ + 1}: loop, {len(halves[round_ % 2])} sampled fits")
    best = grid.best()

    # Identity: the sweep's labels against scikit-learn's for every sampled configuration.
    graph = neighbour_graph(X, max(full.eps), n_jobs=-1)
    identical = 0
    for eps, m in sample:
        labels = sweep(graph, m, [eps])[eps]
        identical += np.array_equal(labels, DBSCAN(eps=eps, min_samples=m).fit(X).labels_)

    per_config = statistics.mean(min(times) for times in loop_fits.values())
    loop_total = per_config * len(full) / workers
    sweep_s = statistics.median(sweep_compute)  # the loop's figure is fit time alone, too
    results = {
        "dataset": header["dataset"],
        "dataset_fingerprint": header["dataset_fingerprint"],
        "protocol": header["protocol"],
        "n_train": header["n_train"],
        "n_components": header["n_components"],
        "grid": {"eps": "0.1:5.0:50", "min_samples": "2:202:10", "n_configs": len(full)},
        "sweep": {
            "basis": "compute: neighbour graph, sweeps and scores (data, PCA, Dask start-up apart)",
            "compute_s": sweep_compute,
            "wall_s": sweep_walls,
            "median_s": sweep_s,
            "best": best,
        },
        "loop": {
            "sample": [list(c) for c in sample],
            "fit_s": {f"{e:.4f}/{m}": t for (e, m), t in loop_fits.items()},
            "per_config_s": per_config,
            "workers": workers,
            "extrapolated_total_s": loop_total,
        },
        "speedup": loop_total / sweep_s,
        "identical_labels": {"checked": len(sample), "identical": int(identical)},
    }
    record = StudyRecord("grid-engines", results, Environment.collect(Backend()))
    path = record.write_into(args.out)
    print(
        f"sweep {sweep_s:.1f} s for 1,000; loop {per_config:.2f} s per configuration -> "
        f"{loop_total:.0f} s on {workers} workers; speedup {loop_total / sweep_s:.0f}x; "
        f"labels identical {identical}/{len(sample)}; best ARI {best['ari']:.4f} at eps "
        f"{best['eps']:.2f}, min_samples {best['min_samples']}\nwritten {path}"
    )


if __name__ == "__main__":
    main()
