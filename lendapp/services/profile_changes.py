"""A borrower's own contact and payout details: a new mobile number and a new bank card.

A new number is proven by an SMS code sent to it, after the borrower enters
the password, so a stolen session alone cannot move the account to another
phone. A new bank card passes the same checks as the application wizard
(Luhn, a debit card, the issuing bank from the card BIN) and replaces the
card that future payouts use; loans already paid out keep their records.
Both changes are audited and revoke the borrower's other sessions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.masking import mask_bank_card, mask_phone
from lendapp.domain.permissions import Permission, has_permission
from lendapp.integrations.crypto import phone_hash
from lendapp.services import passwords
from lendapp.services.audit import record_audit
from lendapp.services.auth import parse_phone
from lendapp.services.kyc import check_payout_card
from lendapp.services.auth_errors import InvalidCredentialsError, InvalidInputError, PermissionDeniedError
from lendapp.services.pii import PHONE_COLUMN, encrypt, save_bank_card
from lendapp.services.sessions import Principal, revoke_other_sessions
from lendapp.services.sms_codes import CodeCheck, CodePurpose, CodeSent, check_code, issue_code, rejection

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class CardChange:
    """A saved bank card as the page shows it."""

    masked_number: str
    bank_name: str


def _require(principal: Principal) -> None:
    if not has_permission(principal.role, Permission.OWN_ACCOUNT) or has_permission(principal.role, Permission.STAFF_WORKSPACE):
        raise PermissionDeniedError("auth.error.forbidden")


def _check_password(account: UserAccount, password: str) -> None:
    ok, _ = passwords.verify_password(password, account.password_hash)
    if not ok:
        raise InvalidCredentialsError("profile.error.password", field="password")


def request_phone_change(principal: Principal, new_phone: str, password: str, *, locale: str, client_ip: str = "") -> CodeSent:
    """Check the password and that the number is free, then send a code to the new number.

    Raises:
        InvalidCredentialsError: The password is wrong.
        InvalidInputError: The number is invalid, the current one, or another account's.
        RateLimitedError: Too many codes were requested.
    """
    _require(principal)
    phone = parse_phone(new_phone)
    with session_scope() as session:
        account = session.get(UserAccount, principal.user_id)
        _check_password(account, password)
        if account.phone_hash == phone_hash(phone):
            raise InvalidInputError("profile.error.phone_same", field="phone")
        taken = session.exec(select(UserAccount.id).where(UserAccount.phone_hash == phone_hash(phone))).first()
        if taken is not None:
            raise InvalidInputError("profile.error.phone_taken", field="phone")
    return issue_code(phone, CodePurpose.CHANGE_PHONE, locale=locale, client_ip=client_ip)


def confirm_phone_change(principal: Principal, new_phone: str, code: str, *, client_ip: str = "",
                         now: dt.datetime | None = None) -> str:
    """Move the account to the new number once its code is entered; return the masked number.

    Raises:
        CodeRejectedError: The code is wrong, expired or used up; nothing changed.
        InvalidInputError: Another account took the number meanwhile.
    """
    _require(principal)
    phone = parse_phone(new_phone)
    now = now or utc_now()
    with session_scope() as session:
        outcome = check_code(session, phone, CodePurpose.CHANGE_PHONE, code, now)
    if outcome is not CodeCheck.ACCEPTED:
        raise rejection(outcome)
    with session_scope() as session:
        if session.exec(select(UserAccount.id).where(UserAccount.phone_hash == phone_hash(phone))).first() is not None:
            raise InvalidInputError("profile.error.phone_taken", field="phone")
        account = session.get(UserAccount, principal.user_id)
        before = mask_phone(account.display_name) if account.display_name.isdigit() else account.display_name
        account.phone_enc = encrypt(phone, PHONE_COLUMN)
        account.phone_hash = phone_hash(phone)
        # A borrower's login is the keyed hash of the number, so the new number signs in from now on.
        account.login = account.phone_hash
        account.display_name = mask_phone(phone)
        account.updated_at = now
        record_audit(session, action="profile.change_phone", object_type="user_account", object_id=principal.user_id,
                     actor_id=principal.user_id, actor_role=principal.role, before={"phone": before},
                     after={"phone": mask_phone(phone)}, client_ip=client_ip)
    revoke_other_sessions(principal, client_ip=client_ip)
    logger.info("Borrower %s changed the mobile number to %s", principal.user_id, mask_phone(phone))
    return mask_phone(phone)


def change_bank_card(principal: Principal, card_number: str, password: str, *, client_ip: str = "") -> CardChange:
    """Replace the borrower's payout card after the password, with the wizard's card checks.

    Raises:
        InvalidCredentialsError: The password is wrong.
        InvalidInputError: The card fails a check; the message names which.
    """
    _require(principal)
    check = check_payout_card(card_number)
    if not check.ok:
        raise InvalidInputError(check.error_key, field="bank_card")
    with session_scope() as session:
        _check_password(session.get(UserAccount, principal.user_id), password)
    save_bank_card(principal.user_id, check.digits)
    masked = mask_bank_card(check.digits)
    bank = check.issuer.bank if check.issuer else ""
    with session_scope() as session:
        record_audit(session, action="profile.change_bank_card", object_type="user_account", object_id=principal.user_id,
                     actor_id=principal.user_id, actor_role=principal.role, before=None,
                     after={"bank_card": masked, "bank": bank}, client_ip=client_ip)
    logger.info("Borrower %s saved a new bank card %s", principal.user_id, masked)
    return CardChange(masked_number=masked, bank_name=bank)
