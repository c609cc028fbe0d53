"""Every option of the command line, defined once: one name, one meaning, in every command.

The pipeline options are generated from `Params` (flag, type, default, help and accepted values
live on its fields); the others are the entries of SHARED. A command adds them by name and may
change only the default, which comes from the library's own config objects.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn

from clusterbench.backends import BACKENDS
from clusterbench.data import LOADERS, PROTOCOLS, DataOptions
from clusterbench.params import Option, Params
from clusterbench.registry import METHODS


class DefaultsFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default (options whose default is None say in words)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        hidden = action.default is None or action.default is False
        if (
            not hidden
            and action.option_strings
            and action.default is not argparse.SUPPRESS
            and "%(default)" not in help_text
        ):
            help_text += " (default: %(default)s)"
        return help_text


class GivenStore(argparse._StoreAction):
    """`store`, also noting in `namespace.given` that the user set this option (abbreviations
    are off, so argparse has resolved the word before it gets here)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        super().__call__(parser, namespace, values, option)
        namespace.given = {*getattr(namespace, "given", ()), self.dest}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2), like every other error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.register("action", "store", GivenStore)
        self.register("action", None, GivenStore)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


@functools.cache
def value_of(option: Option) -> Callable[[str], Any]:
    """The argparse `type` of a Params option: its parser, one object per option."""

    def parse(text: str) -> Any:
        try:
            return option.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = option.flag
    return parse


POSITIVE = Option("N", int, "", minimum=1)


def counts(text: str) -> list[int]:
    """K,K,...: whole numbers >= 1, sorted, each once."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers like 10,20,50, got {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected counts >= 1, got {text!r}")
    return sorted(set(values))


def _method_help() -> str:
    return "; ".join(f"{m.name}: {m.description}" for m in METHODS.values())


# name -> (flags, add_argument keywords); a command takes them by name (and maybe a default).
SHARED: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "dataset": (
        ("--dataset",),
        {
            "choices": list(LOADERS),
            "help": "mnist (SHA-256 verified), digits (scikit-learn's 8x8, no download), idx "
            "(any four-file IDX set), kaggle-csv (Kaggle's train.csv)",
        },
    ),
    "data_dir": (
        ("--data-dir",),
        {
            "type": Path,
            "metavar": "DIR",
            "help": "directory of the four IDX files (mnist: else $CLUSTERBENCH_DATA_DIR, "
            "else the user cache, downloading there)",
        },
    ),
    "data_file": (("--data-file",), {"type": Path, "metavar": "CSV", "help": "kaggle-csv's file"}),
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
            "type": value_of(POSITIVE),
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
            "cpu; gpu: fail unless a GPU is usable",
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
        kwargs["help"] = f"{kwargs['help']}; {help}"
    group.add_argument(*flags, **kwargs)


def _used_by(name: str) -> str:
    if name in ("n_components", "knn", "seed"):
        return ""
    users = [m.name for m in METHODS.values() if name in m.params]
    return f" [{', '.join(users)}]"


def add_params(group: Any, names: Iterable[str], defaults: Params | dict[str, Any]) -> None:
    """Add the Params options `names`, with their defaults from `defaults`."""
    options = Params.options()
    for name in names:
        option = options[name]
        default = defaults[name] if isinstance(defaults, dict) else getattr(defaults, name)
        help_text = option.help + _used_by(name)
        if default is None:
            help_text += f" (default: {option.unset})"
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
    unset = "default: canonical where there is one, else seed"
    add(group, "protocol", default=config.protocol, help=None if config.protocol else unset)
    add(group, "subsample", default=config.subsample)


def data_options(args: argparse.Namespace) -> DataOptions:
    return DataOptions(args.data_dir, args.data_file)


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
