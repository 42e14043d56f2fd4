"""Operator command line: ``python -m lendapp COMMAND ...``.

Each command group lives in its own module with a ``register(subparsers)``
function that adds its sub-commands and sets ``func`` on each parser. ``func``
receives the parsed arguments and returns the process exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from lendapp.logging_setup import configure_logging
from lendapp.settings import get_settings

# Modules that contribute commands, in the order they appear in --help.
COMMAND_MODULES = (
    "lendapp.cli.loan",
    "lendapp.cli.demo",
    "lendapp.cli.staff",
    "lendapp.cli.audit",
    "lendapp.cli.keys",
    "lendapp.cli.model",
    "lendapp.cli.jobs",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered command group."""
    parser = argparse.ArgumentParser(prog="python -m lendapp", description="lendapp operator commands")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command.

    Returns:
        The exit status: 0 on success, 2 for invalid input, 1 for other failures.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(get_settings().log_level)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)
