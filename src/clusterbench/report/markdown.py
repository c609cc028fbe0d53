"""Markdown table cells and tables, as the report writes them."""

from __future__ import annotations

from typing import Any


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def num(value: Any, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"
