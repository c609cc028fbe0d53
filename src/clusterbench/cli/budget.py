"""`clusterbench budget`: test accuracy against the number of clusters a person labels."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from clusterbench.cli import options
from clusterbench.cli.parsing import counts
from clusterbench.pipeline.config import RunConfig
from clusterbench.registry import METHODS, SHARED_PARAMS
from clusterbench.registry.params import Params
from clusterbench.suites.budget import DEFAULT_CLUSTER_COUNTS, DEFAULT_METHOD

DEFAULTS = RunConfig(method=DEFAULT_METHOD)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "budget",
        help="the labelling-budget curve: test accuracy against the number of clusters labelled",
        description="Embed the training digits once, then for each K cluster them into K "
        "clusters, name each cluster by its majority label, and label the test digits through "
        "the KNN: test accuracy and train purity against K, as a table, a record and a plot.",
    )
    g = options.add_pipeline(p, DEFAULTS, "one that takes a number of clusters")
    g.add_argument(
        "--cluster-counts",
        type=counts,
        default=",".join(map(str, DEFAULT_CLUSTER_COUNTS)),
        metavar="K,K,...",
        help="the numbers of clusters of the curve",
    )
    takes_k = [m for m in METHODS.values() if "n_clusters" in m.params]
    used = {*SHARED_PARAMS} | {name for m in takes_k for name in m.params}
    names = [name for name in Params.options() if name in used and name != "n_clusters"]
    options.add_params(g, names, DEFAULTS.params)
    options.add(g, "backend", default=DEFAULTS.backend)
    o = p.add_argument_group("output")
    options.add(o, "json")
    o.add_argument(
        "--plot",
        type=Path,
        metavar="PNG",
        help="draw the curve here (default: beside --json, as .png; no plot without either)",
    )
    options.add(o, "quiet")
    p.set_defaults(handler=handle)


def config(args: argparse.Namespace) -> RunConfig:
    return options.run_config(args)


def handle(args: argparse.Namespace) -> int:
    from clusterbench.outputs import check_file
    from clusterbench.records import write_record
    from clusterbench.suites.budget import format_budget, labelling_budget, plot_budget, plot_path

    if args.json is not None:
        check_file(args.json, "--json")
    plot = plot_path(args.plot, args.json)
    record = labelling_budget(config(args), args.cluster_counts, options.log(args))
    print(format_budget(record))
    if plot is not None:
        print(f"plot: {plot_budget(record, plot)}")
    if args.json is not None:
        print(f"record written to {write_record(record, args.json)}")
    return 0
