"""`clusterbench grid`: score a grid of DBSCAN configurations in parallel on Dask."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from clusterbench.cli import options
from clusterbench.cli.parsing import POSITIVE, value_of
from clusterbench.grid.engines import DEFAULT_BATCH_SIZE
from clusterbench.grid.runner import GridConfig
from clusterbench.grid.spec import STUDY_EPS, STUDY_MIN_SAMPLES, GridSpec
from clusterbench.grid.tasks import SCORES
from clusterbench.registry import DaskOptions

DEFAULTS = GridConfig()


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "grid",
        help="score a grid of DBSCAN configurations in parallel on Dask",
        description="Fit DBSCAN for every (eps, min_samples) of a grid on the PCA features of "
        "the training digits, score each against the true labels, and append each result to a "
        "JSONL file as it finishes. The defaults are the study's: its grid on PCA-50 of the "
        "seed protocol.",
    )
    options.add_data(p, DEFAULTS)
    g = p.add_argument_group("grid")
    defaults = {"n_components": DEFAULTS.n_components, "seed": DEFAULTS.seed}
    options.add_params(g, ("n_components", "seed"), defaults)
    g.add_argument(
        "--eps-range",
        default=STUDY_EPS,
        metavar="START:STOP:NUM",
        help="NUM eps values from START to STOP, both included",
    )
    g.add_argument(
        "--min-samples-range",
        default=STUDY_MIN_SAMPLES,
        metavar="START:STOP:STEP",
        help="min_samples as range(START, STOP, STEP), STOP excluded",
    )
    g.add_argument(
        "--score",
        choices=SCORES,
        default=DEFAULTS.score,
        help="what ranks the configurations (silhouette is slower)",
    )
    options.add(g, "backend", default=DEFAULTS.backend)
    g.add_argument(
        "--engine",
        choices=("sweep", "loop"),
        default=DEFAULTS.engine,
        help="sweep: every eps of a min_samples from one neighbour graph (built by scikit-learn "
        "or cuML, swept on the host), labels identical to DBSCAN's; loop: one DBSCAN fit per "
        "configuration, as the study did",
    )
    d = options.add_cluster(p, DEFAULTS.scheduler, "where the grid's tasks run")
    d.add_argument(
        "--threads-per-worker",
        type=value_of(POSITIVE),
        default=DEFAULTS.dask.threads_per_worker,
        metavar="T",
        help="threads per local worker",
    )
    d.add_argument(
        "--batch-size",
        type=value_of(POSITIVE),
        metavar="B",
        help=f"--engine loop: configurations per Dask task (default: {DEFAULT_BATCH_SIZE})",
    )
    o = p.add_argument_group("output")
    o.add_argument(
        "--jsonl",
        type=Path,
        default=DEFAULTS.out,
        metavar="PATH",
        help="the grid file: a header, then one line per configuration as it finishes; the "
        "heatmap goes beside it as .png",
    )
    o.add_argument(
        "--resume", action="store_true", help="continue --jsonl: run what it does not hold"
    )
    options.add(o, "quiet")
    p.set_defaults(handler=handle)


def config(args: argparse.Namespace) -> GridConfig:
    return GridConfig(
        dataset=args.dataset,
        data=options.data_options(args),
        protocol=args.protocol,
        subsample=args.subsample,
        n_components=args.n_components,
        seed=args.seed,
        spec=GridSpec.parse(args.eps_range, args.min_samples_range),
        score=args.score,
        backend=args.backend,
        scheduler=args.scheduler,
        scheduler_file=args.scheduler_file,
        dask=DaskOptions(workers=args.workers, threads_per_worker=args.threads_per_worker),
        out=args.jsonl,
        resume=args.resume,
        batch_size=args.batch_size,
        engine=args.engine,
    )


def handle(args: argparse.Namespace) -> int:
    from clusterbench.grid.runner import run_grid
    from clusterbench.report.text import format_grid

    outcome = run_grid(config(args), options.log(args))
    print(format_grid(outcome))
    return 0
