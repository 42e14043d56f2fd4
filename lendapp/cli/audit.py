"""``python -m lendapp audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import argparse
import sys

EXIT_BROKEN = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``audit`` command group."""
    audit = subparsers.add_parser("audit", help="audit log")
    commands = audit.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    verify = commands.add_parser(
        "verify",
        help="recompute every entry's hash; exit 1 and name the first broken entry if the chain is broken",
    )
    verify.set_defaults(func=_verify)


def _verify(_args: argparse.Namespace) -> int:
    from lendapp.services.audit import verify_chain

    report = verify_chain()
    if report.ok:
        sys.stdout.write(f"Audit chain intact: {report.count} entries verified.\n")
        return 0
    sys.stdout.write(
        f"Audit chain broken at entry id {report.broken_entry_id} (sequence {report.broken_sequence}): {report.reason}.\n"
        f"{report.count} entries before it verified.\n"
    )
    return EXIT_BROKEN
