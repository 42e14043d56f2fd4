"""``python -m lendapp demo seed``: fill an empty database with demo data."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command group."""
    demo = subparsers.add_parser("demo", help="demo data")
    demo_commands = demo.add_subparsers(dest="demo_command", metavar="COMMAND", required=True)
    seed = demo_commands.add_parser("seed", help="insert demo products and staff accounts into an empty database")
    seed.set_defaults(func=_seed)


def _seed(_args: argparse.Namespace) -> int:
    from lendapp.services.seed import seed_demo_data

    result = seed_demo_data()
    if result.products_created:
        sys.stdout.write(f"Created {result.products_created} demo loan products.\n")
    if result.staff_passwords:
        sys.stdout.write("Demo staff accounts (passwords are shown only now; they are stored hashed):\n")
        for login, password in result.staff_passwords.items():
            sys.stdout.write(f"  {login:<24} {password}\n")
    if not result.products_created and not result.staff_passwords:
        sys.stdout.write("Database already has data; nothing seeded.\n")
    return 0
