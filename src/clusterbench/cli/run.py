"""`clusterbench run`: the pipeline once (or --repeat times), a printed result, a record."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path
from typing import Any

from clusterbench.cli import options
from clusterbench.pipeline.config import RunConfig
from clusterbench.registry import METHODS
from clusterbench.registry.params import Params

DEFAULTS = RunConfig()


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run the cluster-then-label pipeline once and report",
        description="Scale the digits, reduce them with PCA, cluster the training digits, name "
        "each cluster by its majority label, and label the test digits through a KNN: accuracy, "
        "clustering scores, seconds and peak memory per stage.",
    )
    g = options.add_pipeline(p, DEFAULTS)
    options.add_params(g, Params.options(), DEFAULTS.params)
    options.add(g, "backend", default=DEFAULTS.backend)
    options.add(g, "repeat", default=DEFAULTS.repeat)
    g.add_argument(
        "--from-grid",
        type=Path,
        metavar="GRID",
        help="with --method dbscan: the best configuration of a grid file, with what its rows "
        "depend on (dataset, protocol, subsample, PCA, seed); an option given with another value "
        "is refused",
    )
    options.add_cluster(
        p,
        None,
        "runs the pipeline on Dask workers instead of in this process ("
        f"{', '.join(n for n, r in METHODS.items() if r.dask)} on CPU workers; "
        f"{', '.join(n for n, r in METHODS.items() if r.dask_gpu)} on GPU workers)",
    )
    o = p.add_argument_group("output")
    options.add(o, "json")
    options.add(o, "quiet")
    p.set_defaults(handler=handle)


def config(args: argparse.Namespace) -> RunConfig:
    """The library's RunConfig of the parsed options (and of a grid file, with --from-grid)."""
    from clusterbench.grid.summary import run_config_from_grid

    run_config = options.run_config(args, repeat=args.repeat, cluster=options.cluster_spec(args))
    if args.from_grid is None:
        return run_config
    names = {f.name for f in fields(RunConfig)} | set(Params.names())
    given = getattr(args, "given", set()) & names
    return run_config_from_grid(run_config, args.from_grid, given, options.log(args))


def handle(args: argparse.Namespace) -> int:
    from clusterbench.outputs import check_file
    from clusterbench.pipeline.run import run
    from clusterbench.records import write_record
    from clusterbench.report.text import format_run

    if args.json is not None:
        check_file(args.json, "--json")
    record = run(config(args), options.log(args))
    print(format_run(record))
    if args.json is not None:
        print(f"\nrecord written to {write_record(record, args.json)}")
    return 0
