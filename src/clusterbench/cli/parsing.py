"""argparse as this command line uses it: one-line usage errors, defaults shown in every help,
options the user set noted, and value types that say what they expect."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import Any, NoReturn

from clusterbench.registry.params import Option


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
