"""The `clusterbench` command. Errors are one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from clusterbench import __version__
from clusterbench.backends import BACKENDS
from clusterbench.data import LOADERS, PROTOCOLS, DataOptions
from clusterbench.errors import ClusterbenchError
from clusterbench.registry import METHODS, Params

DEFAULTS = Params()


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2), like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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


def _add_pipeline_options(
    p: argparse.ArgumentParser, default_method: str, clusters: bool = True
) -> argparse._ArgumentGroup:
    g = p.add_argument_group("pipeline")
    g.add_argument(
        "--method",
        choices=list(METHODS),
        default=default_method,
        help="; ".join(f"{m.name}: {m.description}" for m in METHODS.values())
        + f" (default {default_method})",
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
        metavar="K",
        help="neighbours of the labelling KNN classifier (default: the study's 50; 5 for the "
        "umap-* methods, chosen on a validation split of the training digits)",
    )
    if clusters:
        g.add_argument(
            "--clusters",
            type=_positive_int,
            default=DEFAULTS.n_clusters,
            metavar="K",
            help="clusters, for every method that takes a count "
            f"(kmeans, spectral, umap-kmeans, umap-spectral; default "
            f"{DEFAULTS.n_clusters})",
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
        "--umap-components",
        type=_positive_int,
        default=DEFAULTS.umap_components,
        metavar="D",
        help=f"umap-*: dimensions of the embedding (default {DEFAULTS.umap_components})",
    )
    g.add_argument(
        "--umap-neighbors",
        type=_positive_int,
        default=DEFAULTS.umap_neighbors,
        metavar="N",
        help=f"umap-*: UMAP n_neighbors (default {DEFAULTS.umap_neighbors})",
    )
    g.add_argument(
        "--umap-min-dist",
        type=float,
        default=DEFAULTS.umap_min_dist,
        metavar="D",
        help=f"umap-*: UMAP min_dist (default {DEFAULTS.umap_min_dist})",
    )
    g.add_argument(
        "--min-cluster-size",
        type=_positive_int,
        default=DEFAULTS.min_cluster_size,
        metavar="N",
        help=f"umap-hdbscan: HDBSCAN min_cluster_size (default {DEFAULTS.min_cluster_size})",
    )
    g.add_argument(
        "--hdbscan-selection",
        choices=("leaf", "eom"),
        default=DEFAULTS.hdbscan_selection,
        help="umap-hdbscan: HDBSCAN cluster_selection_method; leaf keeps the dense cores and "
        f"leaves the rest as noise (default {DEFAULTS.hdbscan_selection})",
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
    return g


def _params(args: argparse.Namespace) -> Params:
    return Params(
        n_components=args.pca,
        knn=args.knn,
        seed=args.seed,
        n_clusters=getattr(args, "clusters", DEFAULTS.n_clusters),  # budget: cluster_counts
        n_neighbors=args.neighbors,
        eps=args.eps,
        min_samples=args.min_samples,
        umap_components=args.umap_components,
        umap_neighbors=args.umap_neighbors,
        umap_min_dist=args.umap_min_dist,
        min_cluster_size=args.min_cluster_size,
        hdbscan_selection=args.hdbscan_selection,
    )


def _add_run_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="run the cluster-then-label pipeline once and report")
    _add_data_options(p)
    g = _add_pipeline_options(p, "spectral")
    g.add_argument(
        "--repeat",
        type=_positive_int,
        default=1,
        metavar="N",
        help="run N times on one data load: the first (cold) and the warm runs are "
        "recorded separately (default 1)",
    )
    g.add_argument(
        "--from-grid",
        type=Path,
        metavar="GRID",
        help="with --method dbscan: run the best configuration of a grid file with what its "
        "rows depend on: its eps, min_samples, dataset (checked by fingerprint), protocol, "
        "subsample, PCA and seed; an option given with another value is refused",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="write the versioned result record")
    p.set_defaults(handler=_cmd_run)


def _cluster_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers like 10,20,50, got {text!r}"
        ) from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected cluster counts >= 1, got {text!r}")
    return sorted(set(counts))


def _add_budget_parser(sub: Any) -> None:
    p = sub.add_parser(
        "budget",
        help="the labelling-budget curve: test accuracy against the number of clusters labelled",
        description="Embed the training digits once, then for each K cluster them into K "
        "clusters, name each cluster by its majority label, and label the test digits through "
        "the KNN: test accuracy and train purity against K, as a table, JSON and a PNG plot.",
    )
    _add_data_options(p)
    g = _add_pipeline_options(p, "umap-kmeans", clusters=False)
    g.add_argument(
        "--clusters",
        dest="cluster_counts",
        type=_cluster_counts,
        default=[10, 20, 50, 100, 200],
        metavar="K,K,...",
        help="cluster counts (default 10,20,50,100,200)",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="write the versioned curve record")
    p.add_argument(
        "--plot",
        type=Path,
        default=Path("budget.png"),
        metavar="PNG",
        help="where to draw the curve (default budget.png)",
    )
    p.set_defaults(handler=_cmd_budget)


def _add_grid_parser(sub: Any) -> None:
    from clusterbench.grid.spec import STUDY_EPS, STUDY_MIN_SAMPLES
    from clusterbench.grid.tasks import SCORES

    p = sub.add_parser(
        "grid",
        help="score a grid of DBSCAN configurations in parallel on Dask",
        description="Fit DBSCAN for every (eps, min_samples) of a grid on the PCA features of "
        "the training digits, score each against the true labels, and append each result to a "
        "JSONL file as it finishes. Defaults: the study's grid on PCA-50 of the seed protocol.",
    )
    _add_data_options(p)
    p.set_defaults(protocol="seed")
    g = p.add_argument_group("grid")
    g.add_argument(
        "--pca", type=_positive_int, default=50, metavar="N", help="PCA components (default 50)"
    )
    g.add_argument(
        "--eps",
        default=STUDY_EPS,
        metavar="START:STOP:NUM",
        help=f"NUM eps values from START to STOP inclusive (default {STUDY_EPS})",
    )
    g.add_argument(
        "--min-samples",
        default=STUDY_MIN_SAMPLES,
        metavar="START:STOP:STEP",
        help=f"min_samples as range(START, STOP, STEP) (default {STUDY_MIN_SAMPLES})",
    )
    g.add_argument(
        "--score",
        choices=SCORES,
        default="ari",
        help="what ranks the configurations (default ari; silhouette is slower)",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=DEFAULTS.seed,
        help=f"seed of the split and samples (default {DEFAULTS.seed})",
    )
    g.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="cpu: scikit-learn DBSCAN on Dask worker processes; gpu: cuML DBSCAN, "
        "one dask-cuda worker per GPU; auto: the GPU where usable (default)",
    )
    g.add_argument(
        "--engine",
        choices=("sweep", "loop"),
        default="sweep",
        help="sweep: every eps of a min_samples from one neighbour graph, labels "
        "identical to scikit-learn's DBSCAN (default, CPU); loop: one DBSCAN fit per "
        "configuration, as the study did (CPU or GPU)",
    )
    d = p.add_argument_group("dask")
    d.add_argument(
        "--scheduler",
        default="local",
        metavar="local|ADDRESS",
        help="local: start a cluster on this machine (default); or the address of a "
        "running scheduler, e.g. tcp://10.0.0.5:8786",
    )
    d.add_argument(
        "--scheduler-file",
        type=Path,
        metavar="F",
        help="connect to the scheduler described in this file",
    )
    d.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="local workers (default: one per core; on the GPU one per device)",
    )
    d.add_argument(
        "--threads-per-worker",
        type=_positive_int,
        default=1,
        metavar="T",
        help="threads per local worker (default 1)",
    )
    d.add_argument(
        "--batch-size",
        type=_positive_int,
        default=10,
        metavar="B",
        help="configurations per Dask task (default 10)",
    )
    o = p.add_argument_group("output")
    o.add_argument(
        "--out",
        type=Path,
        default=Path("grid.jsonl"),
        help="JSONL file, one line per configuration as it finishes; the heatmap goes "
        "beside it as .png (default grid.jsonl)",
    )
    o.add_argument(
        "--resume",
        action="store_true",
        help="continue --out: skip the configurations it already holds",
    )
    p.set_defaults(handler=_cmd_grid)


def _add_bench_parser(sub: Any) -> None:
    from clusterbench.suite import SUITES

    p = sub.add_parser(
        "bench",
        help="run a benchmark suite and write one versioned JSON into --out",
        description="Run every case of a suite (the pipeline per method, repeated; the DBSCAN "
        "grid) on one backend, and write <date>T<time>-<host>-<backend>-<suite>.json with cold "
        "and warm timings, accuracy, and the environment. "
        + "; ".join(
            f"{name}: {', '.join(c.name for c in cases)}" for name, cases in SUITES.items()
        ),
    )
    p.add_argument(
        "--suite",
        choices=list(SUITES),
        default="quick",
        help="quick: MNIST subsample of 10,000 (minutes); full: all of MNIST and the "
        "study's grid (default quick)",
    )
    p.add_argument("--backend", choices=BACKENDS, default="auto", help="auto (default), cpu or gpu")
    p.add_argument(
        "--repeat",
        type=_positive_int,
        default=3,
        metavar="N",
        help="runs per pipeline case: one cold, N-1 warm (default 3)",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        help="MNIST directory (default: $CLUSTERBENCH_DATA_DIR, then the cache)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        help="directory for the result file (default results/)",
    )
    p.set_defaults(handler=_cmd_bench)


def _host_pair(text: str) -> Any:
    from clusterbench.report import HostPair

    try:
        return HostPair.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_report_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="regenerate results/README.md, results.csv and plots from result files",
    )
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="RESULT.json",
        help="suite (bench) records, run records and bench/ study records; per machine, the "
        "newest suite record per suite and backend is used",
    )
    p.add_argument(
        "--pair",
        action="append",
        type=_host_pair,
        default=[],
        metavar="CPU_HOST:GPU_HOST",
        help="also pair the CPU suites of one machine with the GPU suites of another, labelled "
        "as cross-machine (speedups otherwise pair suites of the same machine only)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        help="where README.md, results.csv and the PNGs go (default results/)",
    )
    p.set_defaults(handler=_cmd_report)


def _add_compare_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="two results of one kind side by side; exit 1 when accuracy, ARI, data or "
        "parameters differ (or, with --time-tol, when B is slower)",
    )
    p.add_argument(
        "a",
        type=Path,
        metavar="A",
        help="a run, suite, budget or grid-engines record (.json), or a grid file (.jsonl)",
    )
    p.add_argument("b", type=Path, metavar="B", help="a result of the same kind")
    p.add_argument(
        "--accuracy-tol",
        type=float,
        default=0.02,
        help="largest allowed test-accuracy gap (default 0.02)",
    )
    p.add_argument(
        "--ari-tol", type=float, default=0.03, help="largest allowed ARI gap (default 0.03)"
    )
    p.add_argument(
        "--time-tol",
        type=_positive_float,
        metavar="R",
        help="also fail when B's warm median time is more than R times A's and the two warm "
        "ranges do not overlap (runs and pipeline cases with warm runs; off by default)",
    )
    p.set_defaults(handler=_cmd_compare)


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
    parser = OneLineParser(
        prog="clusterbench",
        description="Cluster-then-label handwritten digits on CPU (scikit-learn) or GPU (cuML), "
        "timed and scored.",
    )
    parser.add_argument("--version", action="version", version=f"clusterbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run_parser(sub)
    _add_budget_parser(sub)
    _add_grid_parser(sub)
    _add_bench_parser(sub)
    _add_report_parser(sub)
    _add_compare_parser(sub)
    _add_data_parser(sub)
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from clusterbench.record import check_writable, write_record
    from clusterbench.runner import RunConfig, run
    from clusterbench.text import format_run

    if args.json is not None:
        check_writable(args.json)
    params = _params(args)
    expected_fingerprint = None
    if args.from_grid is not None:
        params, expected_fingerprint = _from_grid(args, params)
    config = RunConfig(
        dataset=args.dataset,
        data=DataOptions(args.data_dir, args.data_file),
        protocol=args.protocol,
        subsample=args.subsample,
        method=args.method,
        params=params,
        backend=args.backend,
        repeat=args.repeat,
        expected_fingerprint=expected_fingerprint,
    )
    record = run(config)
    print(format_run(record))
    if args.json is not None:
        write_record(record, args.json)
        print(f"\nrecord written to {args.json}")
    return 0


def _from_grid(args: argparse.Namespace, params: Params) -> tuple[Params, str]:
    """The grid's best eps and min_samples, with everything its rows depend on: its dataset
    (checked by fingerprint once loaded), protocol, subsample, PCA and seed. An option given
    with another value than the grid's is refused: the result would not be the grid's."""
    from dataclasses import replace

    from clusterbench.grid.summary import best_config

    if args.method != "dbscan":
        raise ClusterbenchError("--from-grid needs --method dbscan")
    header, best = best_config(args.from_grid)
    chosen = {
        "--dataset": (args.dataset, header["dataset"]),
        "--protocol": (args.protocol, header["protocol"]),
        "--subsample": (args.subsample, header["subsample"]),
        "--pca": (params.n_components, header["n_components"]),
        "--seed": (params.seed, header["seed"]),
    }
    for option, (value, grid_value) in chosen.items():
        if option in args.given and value != grid_value:
            raise ClusterbenchError(
                f"{option} {value} differs from the grid's {grid_value} in {args.from_grid}; "
                f"leave {option} out to take the grid's"
            )
    args.dataset, args.protocol, args.subsample = (
        header["dataset"],
        header["protocol"],
        header["subsample"],
    )
    print(
        f"from {args.from_grid}: eps {best['eps']:.4f}, min_samples {best['min_samples']}, "
        f"PCA-{header['n_components']}, seed {header['seed']}, {header['protocol']} protocol "
        f"({header['score']} {best[header['score']]:.4f})",
        file=sys.stderr,
    )
    best_params = replace(
        params,
        eps=best["eps"],
        min_samples=best["min_samples"],
        n_components=header["n_components"],
        seed=header["seed"],
    )
    return best_params, header["dataset_fingerprint"]


def _cmd_grid(args: argparse.Namespace) -> int:
    from clusterbench.grid.runner import GridConfig, run_grid
    from clusterbench.grid.spec import GridSpec
    from clusterbench.grid.summary import top_table
    from clusterbench.registry import DaskOptions
    from clusterbench.runner import stderr_log

    config = GridConfig(
        dataset=args.dataset,
        data=DataOptions(args.data_dir, args.data_file),
        protocol=args.protocol,
        subsample=args.subsample,
        n_components=args.pca,
        seed=args.seed,
        spec=GridSpec.parse(args.eps, args.min_samples),
        score=args.score,
        backend=args.backend,
        scheduler=args.scheduler,
        scheduler_file=args.scheduler_file,
        dask=DaskOptions(workers=args.workers, threads_per_worker=args.threads_per_worker),
        out=args.out,
        resume=args.resume,
        batch_size=args.batch_size,
        engine=args.engine,
    )
    outcome = run_grid(config, stderr_log)
    grid, score = outcome.record, args.score
    rows, best, timing = grid.rows, grid.best(), grid.timing
    print(
        f"grid: {len(rows)} configurations in {args.out} ({grid.n_failed} failed); this run: "
        f"{outcome.ran} configurations, {timing.compute_s:.1f} s computing, "
        f"{timing.cluster_startup_s:.1f} s starting Dask, {timing.data_pca_s:.1f} s data and PCA"
    )
    if best is None:
        print(f"no configuration has a {score} score (every one failed or found no cluster)")
    else:
        print(
            f"best {score} {best[score]:.4f} at eps {best['eps']:.4f}, min_samples "
            f"{best['min_samples']} ({best['n_clusters']} clusters, "
            f"{100 * best['noise_fraction']:.1f} % noise)"
        )
        print(top_table(rows, score))
    print(f"heatmap: {outcome.png}")
    return 0


def _cmd_budget(args: argparse.Namespace) -> int:
    from clusterbench.budget import format_budget, labelling_budget, plot_budget
    from clusterbench.record import check_writable, write_record
    from clusterbench.runner import RunConfig, stderr_log

    for path in (args.json, args.plot):
        if path is not None:
            check_writable(path)
    config = RunConfig(
        dataset=args.dataset,
        data=DataOptions(args.data_dir, args.data_file),
        protocol=args.protocol,
        subsample=args.subsample,
        method=args.method,
        params=_params(args),
        backend=args.backend,
    )
    record = labelling_budget(config, args.cluster_counts, stderr_log)
    print(format_budget(record))
    plot_budget(record, args.plot)
    print(f"plot: {args.plot}")
    if args.json is not None:
        write_record(record, args.json)
        print(f"record written to {args.json}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from clusterbench.runner import stderr_log
    from clusterbench.suite import run_suite

    path = run_suite(
        args.suite, DataOptions(args.data_dir), args.backend, args.repeat, args.out, stderr_log
    )
    print(f"written {path}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from clusterbench.report import build_report

    for path in build_report(args.files, args.out, args.pair):
        print(f"written {path}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from clusterbench.compare import Tolerances, compare

    result = compare(args.a, args.b, Tolerances(args.accuracy_tol, args.ari_tol, args.time_tol))
    print("\n".join(result.lines))
    if result.problems:
        for problem in result.problems:
            print(f"MISMATCH {problem}")
        print(f"clusterbench compare: {len(result.problems)} difference(s) beyond tolerance")
        return 1
    print("clusterbench compare: the results agree within tolerance")
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
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.given = {word.split("=", 1)[0] for word in argv if word.startswith("--")}
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
