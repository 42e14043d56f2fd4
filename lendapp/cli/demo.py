"""``python -m lendapp demo seed``: fill an empty database with demo data."""

from __future__ import annotations

import argparse
import sys

DEFAULT_BORROWERS = 2000


def _borrower_count(text: str) -> int:
    from lendapp.services.demo_book import MAX_BORROWERS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}; expected a whole number") from None
    if not 0 <= value <= MAX_BORROWERS:
        raise argparse.ArgumentTypeError(f"invalid value {value}; allowed 0 to {MAX_BORROWERS}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command group."""
    demo = subparsers.add_parser("demo", help="demo data")
    demo_commands = demo.add_subparsers(dest="demo_command", metavar="COMMAND", required=True)
    seed = demo_commands.add_parser(
        "seed", help="insert demo products, staff accounts and a synthetic loan book into an empty database"
    )
    seed.add_argument(
        "--borrowers", type=_borrower_count, default=DEFAULT_BORROWERS,
        help=f"synthetic borrowers in the demo book, 0 for none (default {DEFAULT_BORROWERS}); needs an active credit model",
    )
    seed.set_defaults(func=_seed)


def _seed(args: argparse.Namespace) -> int:
    from lendapp.services.seed import seed_demo_data

    result = seed_demo_data(borrowers=args.borrowers)
    if result.products_created:
        sys.stdout.write(f"Created {result.products_created} demo loan products.\n")
    if result.staff_passwords:
        sys.stdout.write("Demo staff accounts (passwords are shown only now; they are stored hashed):\n")
        for login, password in result.staff_passwords.items():
            sys.stdout.write(f"  {login:<24} {password}\n")
    if result.book is not None and result.book.borrowers > 0:
        sys.stdout.write(f"Demo book: {result.book.summary()}\n")
    if result.book_skipped_reason:
        sys.stdout.write(f"Demo book skipped: {result.book_skipped_reason}\n")
    book_seeded = result.book is not None and result.book.borrowers > 0
    if not result.products_created and not result.staff_passwords and not book_seeded and not result.book_skipped_reason:
        sys.stdout.write("Database already has data; nothing seeded.\n")
    return 0
