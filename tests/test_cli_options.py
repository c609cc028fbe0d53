"""The command line against itself, the library and the documentation: one meaning per option
name, defaults that are the library's, tables that are the parsers'."""

from __future__ import annotations

import argparse
import itertools
import re
import shlex
from pathlib import Path

import pytest

from clusterbench.cli import bench, budget, doc, grid, run
from clusterbench.grid.runner import GridConfig
from clusterbench.parity.compare import Tolerances
from clusterbench.pipeline.config import RunConfig
from clusterbench.report import DEFAULT_OUT
from clusterbench.suites.budget import DEFAULT_CLUSTER_COUNTS, DEFAULT_METHOD
from clusterbench.suites.run import SuiteConfig

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMANDS = doc.commands()


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)
    ]


def _meaning(action: argparse.Action) -> tuple:
    kind = getattr(action.type, "__name__", repr(action.type))
    choices = tuple(action.choices) if action.choices is not None else None
    return (action.dest, kind, type(action).__name__, choices, action.metavar, action.nargs)


def conflicts(commands: dict[str, argparse.ArgumentParser]) -> list[str]:
    """Option names with two meanings across `commands`, and meanings with two names."""
    seen: dict[str, tuple[str, tuple]] = {}
    by_dest: dict[str, str] = {}
    found = []
    for name, parser in commands.items():
        for action in _options(parser):
            flag, meaning = action.option_strings[0], _meaning(action)
            first = seen.setdefault(flag, (name, meaning))
            if meaning != first[1]:
                found.append(f"{flag}: {first[0]} {first[1]} but {name} {meaning}")
            if by_dest.setdefault(action.dest, flag) != flag:
                found.append(f"{action.dest}: named {by_dest[action.dest]} and {flag}")
    return found


def test_every_option_name_has_one_meaning_in_every_command():
    assert conflicts(COMMANDS) == []


def test_a_second_meaning_would_be_caught():
    """The walk can fail: --eps as a grid range (its old meaning) beside run's --eps."""
    old_grid = argparse.ArgumentParser()
    old_grid.add_argument("--eps", metavar="START:STOP:NUM")
    old_grid.add_argument("--out", dest="jsonl", type=Path)
    found = conflicts({"run": COMMANDS["run"], "bench": COMMANDS["bench"], "grid": old_grid})
    assert len(found) == 2 and found[0].startswith("--eps:") and found[1].startswith("--out:")


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
    assert _parse("data").dataset == RunConfig().dataset


def test_a_changed_default_would_be_caught():
    assert run.config(_parse("run", "--pca", "50")) != RunConfig()
    assert grid.config(_parse("grid", "--pca", "100")) != GridConfig()


# Options whose default of None leaves the value to the library or the data: said in words.
WORDED = {"--pca", "--knn", "--protocol", "--data-dir", "--workers", "--batch-size", "--plot"} | {
    "--time-tol",
    "--accuracy-tol",
    "--ari-tol",
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_shows_every_default(command):
    """Each option's --help entry, as printed, ends with the parser's default (or says in words
    what a default of None means)."""
    text = " ".join(COMMANDS[command].format_help().split())
    actions = _options(COMMANDS[command])
    for action, after in itertools.pairwise([*actions, None]):
        start = text.index(f" {action.option_strings[0]} ")
        end = text.index(f" {after.option_strings[0]} ", start) if after else len(text)
        entry = text[start:end]
        if action.default is None:  # where the library decides, the help says what it does
            assert "(default: None)" not in entry
            assert "(default:" in entry or action.option_strings[0] not in WORDED, entry
        elif action.default is not False:
            assert f"(default: {action.default})" in entry, entry


def test_the_generated_tables_are_their_sources():
    found: dict[str, tuple[str, str]] = {}
    for page in doc.PAGES:
        for name, block in doc.page_blocks((ROOT / page).read_text()).items():
            assert name not in found, f"{name}: in {found[name][0]} and {page}"
            found[name] = (page, block)
    for name, block in doc.blocks(ROOT).items():
        assert name in found, f"no page holds the {name} table"
        assert found[name][1] == block, (
            f"{found[name][0]}: the {name} table differs from its source; run python -m "
            "clusterbench.cli.doc"
        )


def _bash_lines() -> list[str]:
    blocks = [b for page in PAGES for b in re.findall(r"```bash\n(.*?)```", page.read_text(), re.S)]
    text = "\n".join(blocks).replace("\\\n", " ")
    return [line.split("#")[0].strip() for line in text.splitlines()]


def test_every_command_in_the_documentation_parses():
    commands = [line for line in _bash_lines() if line.startswith("clusterbench ")]
    assert len(commands) >= 15  # the examples are found, not skipped
    parser = doc.build_parser()
    for line in commands:
        try:
            parser.parse_args(shlex.split(line)[1:])
        except SystemExit:
            pytest.fail(f"documentation: {line}")


def test_the_readme_tests_as_ci_does():
    """The quick start's test command is the one .ci/run runs."""
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    command = next(line for line in ci if line.endswith("python -m pytest || exit"))
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    quick_start = [line.split("#")[0].strip() for line in blocks[0].splitlines()]
    assert quick_start[1] == command.removesuffix(" || exit")
