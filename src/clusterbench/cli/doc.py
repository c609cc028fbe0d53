"""The README's option tables, generated from the parsers: `python -m clusterbench.cli.doc
README.md` rewrites them; a test fails when they differ from the parsers."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from clusterbench.cli.main import build_parser

BEGIN = "<!-- generated: {name}, by python -m clusterbench.cli.doc -->"
END = "<!-- end of generated -->"


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


def blocks() -> dict[str, str]:
    """Each generated table between its markers, as the README holds it: the options of each
    command ("clusterbench run", ...) and the tolerance policy ("tolerances")."""
    from clusterbench.parity.tolerances import table as tolerance_table

    tables = {f"clusterbench {name}": table(parser) for name, parser in commands().items()}
    tables["tolerances"] = tolerance_table()
    return {name: f"{BEGIN.format(name=name)}\n{text}\n{END}" for name, text in tables.items()}


def readme_blocks(text: str) -> dict[str, str]:
    pattern = re.escape(BEGIN).replace(re.escape("{name}"), r"([^,]+)") + r".*?" + re.escape(END)
    return {m.group(1): m.group(0) for m in re.finditer(pattern, text, flags=re.S)}


def update(path: Path) -> list[str]:
    """Rewrite the tables in `path`; the commands whose table changed."""
    text = path.read_text()
    found = readme_blocks(text)
    changed = []
    for name, block in blocks().items():
        if name not in found:
            raise SystemExit(f"{path}: no table for {name}; add the line {BEGIN.format(name=name)}")
        if found[name] != block:
            text = text.replace(found[name], block)
            changed.append(name)
    path.write_text(text)
    return changed


if __name__ == "__main__":
    for target in sys.argv[1:] or ["README.md"]:
        print(f"{target}: {', '.join(update(Path(target))) or 'up to date'}")
