"""Every option of the command line, defined once: one name, one meaning, in every command.

The pipeline options are generated from `Params` (flag, type, default, help and accepted values
live on its fields); the others are the entries of SHARED. A command adds them by name and may
change only the default, which comes from the library's own config objects.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from clusterbench.backends import BACKENDS
from clusterbench.cli.parsing import POSITIVE, value_of
from clusterbench.data import LOADERS, PROTOCOLS, DataOptions
from clusterbench.data.datasets import MAX_GENERATED
from clusterbench.data.protocols import MIN_SUBSAMPLE
from clusterbench.registry import METHODS, SHARED_PARAMS
from clusterbench.registry.params import Option, Params

SUBSAMPLE = Option("--subsample", int, "", minimum=MIN_SUBSAMPLE)
N_TRAIN = Option("--n-train", int, "", minimum=1, maximum=MAX_GENERATED)


def _method_help() -> str:
    return "; ".join(f"{m.name}: {m.description}" for m in METHODS.values())


def _scheduler(text: str) -> str:
    """`local`, or a scheduler address (scheme://host:port or host:port)."""
    if text == "local" or "://" in text or (":" in text and text.rsplit(":", 1)[1].isdigit()):
        return text
    raise argparse.ArgumentTypeError(
        f"expected local or a scheduler address like tcp://host:8786, got {text!r}"
    )


# name -> (flags, add_argument keywords); a command takes them by name (and maybe a default).
SHARED: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "dataset": (
        ("--dataset",),
        {
            "choices": list(LOADERS),
            "help": "mnist (SHA-256 verified), infimnist (--n-train digits: MNIST's 60,000 "
            "then seeded deformations of them, generated once into the cache; MNIST's test "
            "digits), digits (scikit-learn's 8x8, no download), idx (any four-file IDX set), "
            "kaggle-csv (Kaggle's train.csv)",
        },
    ),
    "data_dir": (
        ("--data-dir",),
        {
            "type": Path,
            "metavar": "DIR",
            "help": "directory of the four IDX files (default: for mnist and infimnist "
            "$CLUSTERBENCH_DATA_DIR, else the user cache, downloading there)",
        },
    ),
    "data_file": (("--data-file",), {"type": Path, "metavar": "CSV", "help": "kaggle-csv's file"}),
    "n_train": (
        ("--n-train",),
        {
            "type": value_of(N_TRAIN),
            "metavar": "N",
            "help": "infimnist's number of training digits (digit i is the same on every "
            "machine; cached in $CLUSTERBENCH_CACHE_DIR/infimnist, 784 bytes a digit)",
        },
    ),
    "protocol": (
        ("--protocol",),
        {
            "choices": PROTOCOLS,
            "help": "canonical: the dataset's own train/test split (MNIST 60,000/10,000); seed: "
            "the first 42,000 digits, a stratified 90/10 split with --seed (the study's)",
        },
    ),
    "subsample": (
        ("--subsample",),
        {
            "type": value_of(SUBSAMPLE),
            "metavar": "N",
            "help": "keep a stratified, seeded N training digits (test digits in proportion)",
        },
    ),
    "method": (("--method",), {"choices": list(METHODS), "help": _method_help()}),
    "backend": (
        ("--backend",),
        {
            "choices": BACKENDS,
            "help": "auto: the GPU where cuML, CuPy and a CUDA device are usable, else the CPU; "
            "cpu: stock scikit-learn; cpu-intelex: scikit-learn-intelex's oneDAL estimators "
            "where it has them (the intel extra); gpu: cuML, failing unless a GPU is usable; "
            "gpu-accel: the stock code under cuml.accel (GPU machines)",
        },
    ),
    "repeat": (
        ("--repeat",),
        {
            "type": value_of(POSITIVE),
            "metavar": "N",
            "help": "runs on one data load: the first (cold) and the others (warm) are recorded "
            "apart",
        },
    ),
    "json": (
        ("--json",),
        {"type": Path, "metavar": "PATH", "help": "write the versioned result record here"},
    ),
    "out": (("--out",), {"type": Path, "metavar": "DIR", "help": "directory for the output"}),
    "scheduler": (
        ("--scheduler",),
        {
            "type": _scheduler,
            "metavar": "local|ADDRESS",
            "help": "local starts a Dask cluster on this machine (CPU worker processes, or one "
            "dask-cuda worker per GPU with --backend gpu); an address such as tcp://host:8786 "
            "uses a running scheduler, whose workers need clusterbench installed",
        },
    ),
    "scheduler_file": (
        ("--scheduler-file",),
        {
            "type": Path,
            "metavar": "FILE",
            "help": "use the running scheduler that wrote FILE "
            "(dask scheduler --scheduler-file FILE)",
        },
    ),
    "workers": (
        ("--workers",),
        {
            "type": value_of(POSITIVE),
            "metavar": "N",
            "help": "workers of a local cluster (default: one per core / threads per worker; "
            "on the GPU one per device); a running scheduler has its own",
        },
    ),
    "quiet": (
        ("--quiet",),
        {"action": "store_true", "help": "no progress lines on stderr (errors still print)"},
    ),
}


def add(group: Any, name: str, default: Any = None, help: str | None = None) -> None:
    """Add the shared option `name`; `help` adds to its help what this command does with it."""
    flags, kwargs = SHARED[name]
    kwargs = dict(kwargs, dest=name)
    if default is not None:
        kwargs["default"] = default
    if help:
        kwargs["help"] += f" {help}" if help.startswith("(") else f"; {help}"
    group.add_argument(*flags, **kwargs)


def _used_by(name: str) -> str:
    if name in SHARED_PARAMS:
        return ""
    users = [m.name for m in METHODS.values() if name in m.params]
    return f" [{', '.join(users)}]"


def _knn_defaults() -> str:
    """Each method's own KNN default, from the registry."""
    by_k: dict[int, list[str]] = {}
    for method in METHODS.values():
        by_k.setdefault(method.knn, []).append(method.name)
    return ": " + "; ".join(f"{k} for {', '.join(names)}" for k, names in by_k.items())


def add_params(group: Any, names: Iterable[str], defaults: Params | dict[str, Any]) -> None:
    """Add the Params options `names`, with their defaults from `defaults`."""
    options = Params.options()
    for name in names:
        option = options[name]
        default = defaults[name] if isinstance(defaults, dict) else getattr(defaults, name)
        help_text = option.help + _used_by(name)
        if default is None:
            help_text += f" (default: {option.unset}{_knn_defaults() if name == 'knn' else ''})"
        group.add_argument(
            option.flag,
            dest=name,
            type=None if option.choices else value_of(option),
            choices=option.choices,
            default=default,
            metavar=option.metavar,
            help=help_text,
        )


def add_data(parser: argparse.ArgumentParser, config: Any) -> None:
    """The data options, with the defaults of `config` (a RunConfig or a GridConfig)."""
    group = parser.add_argument_group("data")
    add(group, "dataset", default=config.dataset)
    add(group, "data_dir")
    add(group, "data_file")
    add(group, "n_train")
    unset = "(default: canonical where there is one, else seed)"
    add(group, "protocol", default=config.protocol, help=None if config.protocol else unset)
    add(group, "subsample", default=config.subsample)


def add_pipeline(parser: argparse.ArgumentParser, config: Any, method_help: str = "") -> Any:
    """The data options and the pipeline group, with `--method`, for a RunConfig's command."""
    add_data(parser, config)
    group = parser.add_argument_group("pipeline (a method uses the options marked with its name)")
    add(group, "method", default=config.method, help=method_help)
    return group


def add_cluster(parser: argparse.ArgumentParser, scheduler: str | None, what: str) -> Any:
    """--scheduler / --scheduler-file and --workers: where Dask work runs (`scheduler`: the
    default; None: in this process unless given; `what` runs there). Returns the group."""
    group = parser.add_argument_group("Dask workers")
    where = group.add_mutually_exclusive_group()
    add(where, "scheduler", default=scheduler, help=what)
    add(where, "scheduler_file")
    add(group, "workers")
    return group


def cluster_spec(args: argparse.Namespace) -> Any:
    """The ClusterSpec of the parsed options; None for a run in this process."""
    from clusterbench.errors import ConfigError
    from clusterbench.pipeline.cluster import ClusterSpec

    if args.scheduler is None and args.scheduler_file is None:
        if args.workers is not None:
            raise ConfigError("--workers is for a run on Dask workers: add --scheduler local")
        return None
    spec = ClusterSpec(args.scheduler, args.scheduler_file, args.workers)
    spec.check()
    return spec


def data_options(args: argparse.Namespace) -> DataOptions:
    return DataOptions(args.data_dir, args.data_file, args.n_train)


def run_config(args: argparse.Namespace, **extra: Any) -> Any:
    """The library's RunConfig of the data and pipeline options (`extra`: the command's own).
    An option the method does not use is refused, not silently ignored."""
    from clusterbench.errors import ConfigError
    from clusterbench.pipeline.config import RunConfig

    used = {*SHARED_PARAMS, *METHODS[args.method].params}
    unused = sorted(set(Params.options()) & getattr(args, "given", set()) - used)
    if unused:
        flags = ", ".join(Params.options()[name].flag for name in unused)
        raise ConfigError(f"{args.method} does not use {flags}; see --method in --help")

    return RunConfig(
        dataset=args.dataset,
        data=data_options(args),
        protocol=args.protocol,
        subsample=args.subsample,
        method=args.method,
        params=params(args),
        backend=args.backend,
        **extra,
    )


def params(args: argparse.Namespace, base: Params | None = None) -> Params:
    """The Params the parsed options set, over `base` for the ones this command has not."""
    from dataclasses import replace

    chosen = {name: getattr(args, name) for name in Params.options() if hasattr(args, name)}
    return replace(base or Params(), **chosen)


def log(args: argparse.Namespace) -> Callable[[str], None]:
    """Progress lines on stderr, or none with --quiet."""
    if getattr(args, "quiet", False):
        return lambda message: None
    return lambda message: print(message, file=sys.stderr, flush=True)
