"""The command line: `clusterbench COMMAND`, one module per command (see main.py)."""

from clusterbench.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
