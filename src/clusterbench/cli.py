"""The `clusterbench` command. Errors are one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from clusterbench import __version__
from clusterbench.backends import BACKENDS
from clusterbench.data import LOADERS, PROTOCOLS, DataOptions
from clusterbench.errors import ClusterbenchError
from clusterbench.registry import METHODS, Params

DEFAULTS = Params()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data")
    group.add_argument(
        "--dataset",
        choices=list(LOADERS),
        default="mnist",
        help="mnist (verified, default), digits (sklearn's 8x8, no download), "
        "idx (any four-file IDX set), kaggle-csv (Kaggle train.csv)",
    )
    group.add_argument(
        "--data-dir",
        type=Path,
        help="directory with the four IDX files (default: $CLUSTERBENCH_DATA_DIR, "
        "then the user cache, downloading there if needed)",
    )
    group.add_argument("--data-file", type=Path, help="Kaggle train.csv for --dataset kaggle-csv")
    group.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        help="canonical: the dataset's own train/test split (MNIST 60,000/10,000; "
        "default where there is one); seed: the first 42,000 digits, stratified "
        "90/10 split with --seed (the study's set-up; default otherwise)",
    )
    group.add_argument(
        "--subsample",
        type=_positive_int,
        metavar="N",
        help="keep a stratified, seeded N training digits (test in proportion)",
    )


def _add_run_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="run the cluster-then-label pipeline once and report")
    _add_data_options(p)
    g = p.add_argument_group("pipeline")
    g.add_argument(
        "--method",
        choices=list(METHODS),
        default="spectral",
        help="; ".join(f"{m.name}: {m.description}" for m in METHODS.values()),
    )
    g.add_argument(
        "--pca",
        type=_positive_int,
        default=DEFAULTS.n_components,
        metavar="N",
        help=f"PCA components (default {DEFAULTS.n_components})",
    )
    g.add_argument(
        "--knn",
        type=_positive_int,
        default=DEFAULTS.knn,
        metavar="K",
        help=f"neighbours of the labelling KNN classifier (default {DEFAULTS.knn})",
    )
    g.add_argument(
        "--clusters",
        type=_positive_int,
        default=DEFAULTS.n_clusters,
        metavar="K",
        help=f"clusters for kmeans and spectral (default {DEFAULTS.n_clusters})",
    )
    g.add_argument(
        "--neighbors",
        type=_positive_int,
        default=DEFAULTS.n_neighbors,
        metavar="N",
        help=f"neighbours in spectral's affinity graph (default {DEFAULTS.n_neighbors})",
    )
    g.add_argument(
        "--eps",
        type=_positive_float,
        default=DEFAULTS.eps,
        help=f"DBSCAN radius (default {DEFAULTS.eps})",
    )
    g.add_argument(
        "--min-samples",
        type=_positive_int,
        default=DEFAULTS.min_samples,
        metavar="M",
        help=f"DBSCAN core-point count (default {DEFAULTS.min_samples})",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=DEFAULTS.seed,
        help=f"seed for splits, samples and estimators (default {DEFAULTS.seed})",
    )
    g.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="auto: the GPU where cuML, CuPy and a CUDA device are usable, else the "
        "CPU (default); cpu; gpu: fail unless a GPU is usable",
    )
    g.add_argument(
        "--repeat",
        type=_positive_int,
        default=1,
        metavar="N",
        help="run N times on one data load: the first (cold) and the warm runs are "
        "recorded separately (default 1)",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="write the versioned result record")
    p.set_defaults(handler=_cmd_run)


def _add_data_parser(sub: Any) -> None:
    p = sub.add_parser("data", help="verify a data directory and show what it holds")
    p.add_argument(
        "--data-dir",
        type=Path,
        help="directory to check (default: $CLUSTERBENCH_DATA_DIR, then the cache)",
    )
    p.add_argument(
        "--dataset",
        choices=("mnist", "idx"),
        default="mnist",
        help="mnist: check structure and canonical SHA-256 (default); idx: structure only",
    )
    p.set_defaults(handler=_cmd_data)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusterbench",
        description="Cluster-then-label handwritten digits on CPU (scikit-learn) or GPU (cuML), "
        "timed and scored.",
    )
    parser.add_argument("--version", action="version", version=f"clusterbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run_parser(sub)
    _add_data_parser(sub)
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from clusterbench.record import check_writable, write_json
    from clusterbench.report import format_run
    from clusterbench.runner import RunConfig, run

    if args.json is not None:
        check_writable(args.json)
    params = Params(
        n_components=args.pca,
        knn=args.knn,
        seed=args.seed,
        n_clusters=args.clusters,
        n_neighbors=args.neighbors,
        eps=args.eps,
        min_samples=args.min_samples,
    )
    config = RunConfig(
        dataset=args.dataset,
        data=DataOptions(args.data_dir, args.data_file),
        protocol=args.protocol,
        subsample=args.subsample,
        method=args.method,
        params=params,
        backend=args.backend,
        repeat=args.repeat,
    )
    record = run(config)
    print(format_run(record))
    if args.json is not None:
        write_json(record, args.json)
        print(f"\nrecord written to {args.json}")
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    from clusterbench.data import mnist

    directory = mnist.locate(args.data_dir)
    parsed = mnist.read_idx_dir(directory, verify=args.dataset == "mnist")
    print(f"{directory}:")
    for spec in mnist.MNIST_FILES:
        path = mnist.find_file(directory, spec.stem)
        assert path is not None  # read_idx_dir checked it
        idx = parsed[spec.stem]
        status = "SHA-256 ok" if idx.sha256 == spec.content_sha256 else "not canonical MNIST"
        print(f"  {path.name:<28} {'x'.join(map(str, idx.array.shape)):<12} {status}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ClusterbenchError as exc:
        print(f"clusterbench: error: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print("clusterbench: error: out of memory; try --subsample N", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clusterbench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, the traceback on request
        if os.environ.get("CLUSTERBENCH_DEBUG"):
            raise
        print(
            f"clusterbench: internal error: {type(exc).__name__}: {exc} "
            "(set CLUSTERBENCH_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
