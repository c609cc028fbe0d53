"""The documentation's generated tables: the option tables from the parsers, the tolerance policy
from its code, the README's results from the generated report. `python -m clusterbench.cli.doc`,
run in the repository, rewrites them; a test fails when they differ from their sources."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from clusterbench.cli.main import build_parser

BEGIN = "<!-- generated: {name}, by python -m clusterbench.cli.doc -->"
END = "<!-- end of generated -->"
# The pages holding generated tables, relative to the repository root.
PAGES = ("README.md", "docs/commands.md", "docs/tolerances.md")
# The report whose accuracy table the README shows (written by `clusterbench report`).
REPORT = "results/README.md"


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _value(action: argparse.Action) -> str:
    if action.nargs == 0:
        return ""
    if action.choices is not None:
        return "|".join(map(str, action.choices))
    return action.metavar or action.dest.upper()


def _default(action: argparse.Action) -> str:
    if action.default is None or action.default is False or action.default == []:
        return ""
    return str(action.default)


def table(parser: argparse.ArgumentParser) -> str:
    rows = ["| option | value | default | what |", "|---|---|---|---|"]
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        cells = (
            f"`{action.option_strings[0]}`",
            f"`{_value(action)}`" if _value(action) else "",
            f"`{_default(action)}`" if _default(action) else "",
            action.help or "",
        )
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def accuracy_table(report: str) -> str:
    """The first accuracy table of a generated report (its first machine's), as it stands.

    Parameters
    ----------
    report : str
        The text of `clusterbench report`'s README.md.

    Returns
    -------
    str
        The table's lines, header included.
    """
    found = re.search(r"^### Accuracy\n\n((?:\|.*\n)+)", report, flags=re.M)
    if found is None:
        raise SystemExit(f"{REPORT}: no '### Accuracy' table; run clusterbench report first")
    return found.group(1).rstrip("\n")


def blocks(root: Path) -> dict[str, str]:
    """Each generated table between its markers, as the pages hold it.

    Parameters
    ----------
    root : Path
        The repository, whose `results/README.md` the accuracy table is copied from.

    Returns
    -------
    dict of str to str
        By name: the options of each command that has any ("clusterbench run", ...), the
        tolerance policy ("tolerances") and the published accuracy ("accuracy").
    """
    from clusterbench.parity.tolerances import table as tolerance_table

    tables = {
        f"clusterbench {name}": table(parser)
        for name, parser in commands().items()
        if any(action.option_strings != ["-h", "--help"] for action in parser._actions)
    }
    tables["tolerances"] = tolerance_table()
    tables["accuracy"] = accuracy_table((root / REPORT).read_text())
    return {name: f"{BEGIN.format(name=name)}\n{text}\n{END}" for name, text in tables.items()}


def page_blocks(text: str) -> dict[str, str]:
    """The generated blocks a page holds, by name."""
    pattern = re.escape(BEGIN).replace(re.escape("{name}"), r"([^,]+)") + r".*?" + re.escape(END)
    return {m.group(1): m.group(0) for m in re.finditer(pattern, text, flags=re.S)}


def update(root: Path) -> list[str]:
    """Rewrite the generated tables of every page under `root`; the tables that changed."""
    generated, placed, changed = blocks(root), set(), []
    for page in PAGES:
        path = root / page
        text = path.read_text()
        for name, block in page_blocks(text).items():
            if name not in generated:
                raise SystemExit(f"{path}: no generator for the table {name!r}")
            placed.add(name)
            if block != generated[name]:
                text = text.replace(block, generated[name])
                changed.append(f"{page}: {name}")
        path.write_text(text)
    if missing := sorted(set(generated) - placed):
        raise SystemExit(
            f"no page holds the {missing[0]} table; add {BEGIN.format(name=missing[0])}"
        )
    return changed


if __name__ == "__main__":
    changed = update(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    print("\n".join(changed) or "up to date")
