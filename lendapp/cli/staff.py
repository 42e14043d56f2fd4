"""``python -m lendapp staff create``: create a staff account from the command line."""

from __future__ import annotations

import argparse
import sys

from lendapp.domain.roles import STAFF_ROLES

EXIT_INVALID_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``staff`` command group."""
    staff = subparsers.add_parser("staff", help="staff accounts")
    commands = staff.add_subparsers(dest="staff_command", metavar="COMMAND", required=True)
    create = commands.add_parser(
        "create",
        help="create a staff account and print its one-time password",
        description="Create a staff account. The one-time password is printed once; "
        "the staff member must replace it at the first sign-in.",
    )
    create.add_argument("--role", required=True, choices=[str(role) for role in STAFF_ROLES], help="the staff role")
    create.add_argument("--name", required=True, help="the display name, as colleagues know the person")
    create.add_argument("--phone", required=True, help="a mainland China mobile number, such as 13800138000")
    create.add_argument("--login", help="the user name; <role><n> (for example finance1) when omitted")
    create.set_defaults(func=_create)


def _create(args: argparse.Namespace) -> int:
    from lendapp.i18n import translate
    from lendapp.services.auth_errors import AccountsError
    from lendapp.services.staff import create_staff

    try:
        credentials = create_staff(None, role=args.role, name=args.name, phone=args.phone, login=args.login)
    except AccountsError as error:
        sys.stderr.write(f"staff create: {translate(error.key, 'en', **error.params)}\n")
        return EXIT_INVALID_INPUT
    sys.stdout.write(
        f"Created {args.role} account {credentials.login!r} (id {credentials.user_id}).\n"
        f"One-time password (shown only now; it must be changed at the first sign-in): {credentials.one_time_password}\n"
    )
    return 0
