"""The command line against itself, the library and the README: one meaning per option name,
defaults that are the library's, tables that are the parsers'."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from clusterbench.budget import DEFAULT_CLUSTER_COUNTS, DEFAULT_METHOD
from clusterbench.cli import bench, budget, doc, grid, run
from clusterbench.cli.parsing import DefaultsFormatter
from clusterbench.compare import Tolerances
from clusterbench.grid.runner import GridConfig
from clusterbench.report import DEFAULT_OUT
from clusterbench.runner import RunConfig
from clusterbench.suite import SuiteConfig

README = Path(__file__).resolve().parents[1] / "README.md"
COMMANDS = doc.commands()


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)
    ]


def _meaning(action: argparse.Action) -> tuple:
    kind = getattr(action.type, "__name__", repr(action.type))
    choices = tuple(action.choices) if action.choices is not None else None
    return (action.dest, kind, type(action).__name__, choices, action.metavar, action.nargs)


def test_every_option_name_has_one_meaning_in_every_command():
    seen: dict[str, tuple[str, tuple]] = {}
    by_dest: dict[str, str] = {}
    for name, parser in COMMANDS.items():
        for action in _options(parser):
            flag, meaning = action.option_strings[0], _meaning(action)
            first = seen.setdefault(flag, (name, meaning))
            assert meaning == first[1], f"{flag}: {first[0]} {first[1]} but {name} {meaning}"
            assert by_dest.setdefault(action.dest, flag) == flag, f"{action.dest}: two names"


def test_a_mistyped_meaning_would_be_caught():
    """The check above can fail: --eps as a grid range (its old meaning) differs from run's."""
    range_eps = argparse.ArgumentParser().add_argument("--eps", metavar="START:STOP:NUM")
    run_eps = next(a for a in _options(COMMANDS["run"]) if a.option_strings == ["--eps"])
    assert _meaning(range_eps) != _meaning(run_eps)


def _parse(command: str, *argv: str) -> argparse.Namespace:
    return COMMANDS[command].parse_args(list(argv))


def test_parsed_defaults_are_the_librarys():
    assert run.config(_parse("run")) == RunConfig()
    args = _parse("budget")
    assert budget.config(args) == RunConfig(method=DEFAULT_METHOD)
    assert args.cluster_counts == list(DEFAULT_CLUSTER_COUNTS)
    assert grid.config(_parse("grid")) == GridConfig()
    assert bench.config(_parse("bench")) == SuiteConfig()
    args = _parse("compare", "a.json", "b.json")
    assert Tolerances(args.accuracy_tol, args.ari_tol, args.time_tol) == Tolerances()
    assert _parse("report", "a.json").out == DEFAULT_OUT


def test_a_changed_default_would_be_caught():
    assert run.config(_parse("run", "--pca", "50")) != RunConfig()
    assert grid.config(_parse("grid", "--pca", "100")) != GridConfig()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_shows_every_default(command):
    formatter = DefaultsFormatter(command)
    for action in _options(COMMANDS[command]):
        shown = formatter._get_help_string(action) % {"default": action.default}
        if action.default is None:
            assert "(default: %" not in shown
        elif action.default is not False:
            assert shown.endswith(f"(default: {action.default})"), shown


def test_the_readme_tables_are_the_parsers():
    found = doc.readme_blocks(README.read_text())
    for name, block in doc.blocks().items():
        assert found.get(name) == block, (
            f"README's options of clusterbench {name} differ from the parser; "
            "run python -m clusterbench.cli.doc README.md"
        )


def _readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    text = "\n".join(blocks).replace("\\\n", " ")
    return [
        line.split("#")[0].strip() for line in text.splitlines() if line.startswith("clusterbench ")
    ]


def test_every_command_in_the_readme_parses():
    commands = _readme_commands()
    assert len(commands) >= 15  # the examples are found, not skipped
    parser = doc.build_parser()
    for line in commands:
        try:
            parser.parse_args(shlex.split(line)[1:])
        except SystemExit:
            pytest.fail(f"README: {line}")
