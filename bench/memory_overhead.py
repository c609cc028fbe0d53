"""What the peak-memory sampler costs: the same runs with and without it, alternating.

Every run of a record samples memory (cold and warm alike, so that their timings share one
basis); this measures what that sampling adds to a run's time. Each round runs the pipeline once
with the sampler and once without, in alternating order, on one load of the data, after one
untimed warm-up run, each timed as the runner times a run (pipeline.timing.timed_fit_predict);
the ratio of the medians is printed per method and kept in a study record. A study, not a suite
case: a case always samples.

    python bench/memory_overhead.py --data-dir ../shared/data/mnist [--rounds 5] [--out results]
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path
from typing import Any

from clusterbench.backends import Backend
from clusterbench.data import DataOptions, load_dataset, make_split
from clusterbench.pipeline.estimator import ClusterThenLabel
from clusterbench.pipeline.timing import timed_fit_predict
from clusterbench.records import Environment, StudyRecord
from clusterbench.registry import Params

CASES = {"kmeans": Params(), "spectral": Params(), "umap-kmeans": Params(n_clusters=20)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("CLUSTERBENCH_DATA_DIR"))
    parser.add_argument("--subsample", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--methods", default="kmeans,spectral,umap-kmeans")
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()
    dataset = load_dataset("mnist", DataOptions(args.data_dir))
    split = make_split(dataset, "canonical", 137, args.subsample)
    backend = Backend("cpu")
    environment = Environment.collect(backend)
    methods: dict[str, Any] = {}
    for method in args.methods.split(","):
        seconds: dict[bool, list[float]] = {True: [], False: []}
        warm_up = ClusterThenLabel(method, CASES[method], backend)  # JIT and caches: untimed
        warm_up.fit(split.X_train, split.y_train).predict(split.X_test)
        for i in range(args.rounds):
            for sampled in (i % 2 == 0, i % 2 == 1):  # alternate which goes first
                model = ClusterThenLabel(method, CASES[method], backend, track_memory=sampled)
                seconds[sampled].append(
                    timed_fit_predict(model, split, backend.synchronize)[1].total_s
                )
        on, off = statistics.median(seconds[True]), statistics.median(seconds[False])
        methods[method] = {"sampled_s": seconds[True], "unsampled_s": seconds[False]}
        methods[method]["median_ratio"] = on / off
        print(
            f"{method}: sampled {on:.2f} s ({min(seconds[True]):.2f}-{max(seconds[True]):.2f}), "
            f"unsampled {off:.2f} s ({min(seconds[False]):.2f}-{max(seconds[False]):.2f}), "
            f"ratio {on / off:.3f} over {args.rounds} rounds",
            flush=True,
        )
    results = {
        "dataset": dataset.name,
        "dataset_fingerprint": dataset.fingerprint,
        "protocol": "canonical",
        "n_train": split.n_train,
        "rounds": args.rounds,
        "basis": "fit+predict seconds, after an untimed warm-up run; rounds alternate the order",
        "methods": methods,
    }
    record = StudyRecord("memory-overhead", results, environment)
    print(f"written {record.write_into(args.out)}")


if __name__ == "__main__":
    main()
