"""Registration, sign-in, password reset and password change.

A successful sign-in (or registration) returns a handoff code, not a session
token: the browser exchanges the code for an HttpOnly session cookie at
``POST /api/auth/session`` (see ``lendapp.services.sessions``).

Every function validates its whole input before writing anything, so a form
with a bad value changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import BorrowerProfile, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.masking import mask_phone
from lendapp.domain.password_policy import check_password
from lendapp.domain.permissions import is_staff_role, requires_totp
from lendapp.domain.phone import InvalidPhoneError, parse_cn_mobile
from lendapp.domain.roles import Role
from lendapp.integrations.crypto import phone_hash
from lendapp.integrations.sms import SmsSender
from lendapp.services import throttle
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import (
    AccountsError,
    InvalidCredentialsError,
    InvalidInputError,
)
from lendapp.services.auth_totp import accept_code
from lendapp.services.passwords import hash_password, verify_against_dummy, verify_password
from lendapp.services.pii import PHONE_COLUMN, decrypt, encrypt
from lendapp.services.sessions import Principal, create_handoff, revoke_user_sessions
from lendapp.services.sms_codes import CodeCheck, CodePurpose, CodeSent, check_code, issue_code, rejection

logger = logging.getLogger(__name__)

MAX_PASSWORD_INPUT = 4096


@dataclasses.dataclass(frozen=True)
class SignInResult:
    """A successful sign-in: the handoff code for the browser and where to go next."""

    handoff_code: str
    user_id: int
    role: str
    setup_pending: bool


def parse_phone(raw: str) -> str:
    """Return the E.164 form of a mainland mobile number typed into a form.

    Raises:
        InvalidInputError: On the ``phone`` field when the number is not a mainland mobile number.
    """
    try:
        return parse_cn_mobile(raw)
    except InvalidPhoneError:
        raise InvalidInputError("auth.error.phone_invalid", field="phone") from None


def _check_new_password(password: str, confirm: str, *, phone: str | None = None, login: str | None = None) -> None:
    if len(password) > MAX_PASSWORD_INPUT:
        raise InvalidInputError("auth.password.too_long", field="password")
    issue = check_password(password, phone=phone, login=login)
    if issue is not None:
        raise InvalidInputError(f"auth.password.{issue}", field="password")
    if password != confirm:
        raise InvalidInputError("auth.error.confirm_mismatch", field="confirm")


def _require_code_format(code: str) -> str:
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise InvalidInputError("auth.error.code_format", field="code")
    return code


def _borrower_by_phone(session: Session, phone_e164: str) -> UserAccount | None:
    return session.exec(
        select(UserAccount).where(UserAccount.login == phone_hash(phone_e164), UserAccount.role == Role.BORROWER)
    ).first()


def request_registration_code(phone_raw: str, *, locale: str, sender: SmsSender | None = None, client_ip: str = "") -> CodeSent:
    """Send a registration code to a number that has no account yet.

    Raises:
        InvalidInputError: When the number is invalid or already registered.
        RateLimitedError: When the number asked for too many codes.
        DeliveryError: When the SMS provider fails.
    """
    phone = parse_phone(phone_raw)
    with session_scope() as session:
        if _borrower_by_phone(session, phone) is not None:
            raise InvalidInputError("auth.error.phone_registered", field="phone")
    return issue_code(phone, CodePurpose.REGISTER, locale=locale, sender=sender, client_ip=client_ip)


def request_reset_code(phone_raw: str, *, locale: str, sender: SmsSender | None = None, client_ip: str = "") -> CodeSent | None:
    """Send a password-reset code when the number has an active borrower account.

    Returns:
        What was sent, or None when the number has no account. The page shows
        the same message either way ("if the number is registered, a code is on its way").
    """
    phone = parse_phone(phone_raw)
    with session_scope() as session:
        user = _borrower_by_phone(session, phone)
        if user is None or not user.is_active:
            logger.info("Password reset requested for a number without an active account")
            return None
    return issue_code(phone, CodePurpose.RESET_PASSWORD, locale=locale, sender=sender, client_ip=client_ip)


def register_borrower(
    phone_raw: str, code: str, password: str, confirm: str, *, client_ip: str = "", now: dt.datetime | None = None
) -> SignInResult:
    """Create a borrower account after checking the SMS code, and sign it in.

    Raises:
        InvalidInputError: For an invalid phone, code format, weak password or mismatched confirmation.
        CodeRejectedError: When the code is wrong, expired or used up.
    """
    now = now or utc_now()
    phone = parse_phone(phone_raw)
    code = _require_code_format(code)
    _check_new_password(password, confirm, phone=phone)
    password_hash = hash_password(password)
    outcome = CodeCheck.MISSING
    with session_scope() as session:
        if _borrower_by_phone(session, phone) is not None:
            raise InvalidInputError("auth.error.phone_registered", field="phone")
        outcome = check_code(session, phone, CodePurpose.REGISTER, code, now)
        if outcome is CodeCheck.ACCEPTED:
            user = UserAccount(
                role=str(Role.BORROWER),
                login=phone_hash(phone),
                display_name=mask_phone(phone),
                password_hash=password_hash,
                phone_enc=encrypt(phone, PHONE_COLUMN),
                phone_hash=phone_hash(phone),
                password_changed_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(user)
            session.flush()
            session.add(BorrowerProfile(user_id=user.id, created_at=now, updated_at=now))
            record_audit(session, action="account.register", object_type="user_account", object_id=user.id,
                         actor_id=user.id, actor_role=user.role, after={"role": user.role}, client_ip=client_ip)
            result = SignInResult(create_handoff(session, user.id, now), user.id, user.role, setup_pending=False)
    if outcome is not CodeCheck.ACCEPTED:
        raise rejection(outcome)
    logger.info("Borrower %s registered", result.user_id)
    return result


def sign_in_borrower(phone_raw: str, password: str, *, client_ip: str = "", now: dt.datetime | None = None) -> SignInResult:
    """Check a borrower's phone and password and return a handoff code.

    Raises:
        InvalidInputError: When the phone number is malformed or the password empty.
        AccountLockedError: When the account or client address is locked.
        InvalidCredentialsError: When the number or password is wrong, or the account inactive.
    """
    phone = parse_phone(phone_raw)
    if not password:
        raise InvalidInputError("auth.error.password_missing", field="password")
    subjects = [throttle.account_subject("borrower", phone), throttle.address_subject(client_ip)]
    return _sign_in(lambda session: _borrower_by_phone(session, phone), password, None, subjects, client_ip, now, staff=False)


def sign_in_staff(login: str, password: str, totp_code: str = "", *, client_ip: str = "", now: dt.datetime | None = None) -> SignInResult:
    """Check a staff member's user name, password and (once enrolled) TOTP code.

    Raises:
        InvalidInputError: When the user name or password is empty.
        AccountLockedError: When the account or client address is locked.
        InvalidCredentialsError: When any credential is wrong, or the account inactive.
    """
    name = (login or "").strip().lower()
    if not name or len(name) > 64:
        raise InvalidInputError("auth.error.login_missing", field="login")
    if not password:
        raise InvalidInputError("auth.error.password_missing", field="password")
    subjects = [throttle.account_subject("staff", name), throttle.address_subject(client_ip)]

    def find(session: Session) -> UserAccount | None:
        user = session.exec(select(UserAccount).where(UserAccount.login == name)).first()
        return user if user is not None and is_staff_role(user.role) else None

    return _sign_in(find, password, totp_code or "", subjects, client_ip, now, staff=True)


def _sign_in(
    find: Callable[[Session], UserAccount | None],
    password: str,
    totp_code: str | None,
    subjects: list[str],
    client_ip: str,
    now: dt.datetime | None,
    *,
    staff: bool,
) -> SignInResult:
    now = now or utc_now()
    if len(password) > MAX_PASSWORD_INPUT:
        raise InvalidCredentialsError("auth.error.credentials")
    failure: AccountsError | None = None
    with session_scope() as session:
        throttle.ensure_not_locked(session, subjects, now)
        user = find(session)
        if user is None:
            verify_against_dummy(password)
            valid, new_hash = False, None
        else:
            valid, new_hash = verify_password(password, user.password_hash)
        if valid and user.is_active and staff and user.totp_enabled_at is not None:
            if not (totp_code or "").strip():
                failure = InvalidCredentialsError("auth.error.totp_required", field="totp_code")
            elif not accept_code(user, totp_code, now):
                failure = InvalidCredentialsError("auth.error.totp_wrong", field="totp_code")
        elif not valid or not user.is_active:
            failure = InvalidCredentialsError("auth.error.credentials")
        if failure is not None:
            locked_until = throttle.record_failure(session, subjects, now)
            if locked_until is not None:
                failure = throttle.lockout_error(locked_until, now)
        else:
            throttle.clear_failures(session, subjects[0])
            if new_hash:
                user.password_hash = new_hash
                logger.info("Re-hashed the password of user %s with argon2id", user.id)
            if staff:
                record_audit(session, action="staff.sign_in", object_type="user_account", object_id=user.id,
                             actor_id=user.id, actor_role=user.role, client_ip=client_ip)
            setup_pending = user.must_change_password or (requires_totp(user.role) and user.totp_enabled_at is None)
            result = SignInResult(create_handoff(session, user.id, now), user.id, user.role, setup_pending)
    if failure is not None:
        logger.info("Sign-in failed (%s)", failure.key)
        raise failure
    logger.info("User %s signed in", result.user_id)
    return result


def reset_password(
    phone_raw: str, code: str, password: str, confirm: str, *, client_ip: str = "", now: dt.datetime | None = None
) -> None:
    """Set a new password after checking the reset code; every session of the account ends.

    Raises:
        InvalidInputError: For an invalid phone, code format, weak password or mismatched confirmation.
        CodeRejectedError: When the code is wrong, expired or used up, or the number has no account.
    """
    now = now or utc_now()
    phone = parse_phone(phone_raw)
    code = _require_code_format(code)
    _check_new_password(password, confirm, phone=phone)
    password_hash = hash_password(password)
    with session_scope() as session:
        outcome = check_code(session, phone, CodePurpose.RESET_PASSWORD, code, now)
        user = _borrower_by_phone(session, phone)
        if outcome is CodeCheck.ACCEPTED and user is not None and user.is_active:
            _store_password(session, user, password_hash, now)
            revoke_user_sessions(session, user.id, "password_reset", now=now)
            throttle.clear_failures(session, throttle.account_subject("borrower", phone))
            record_audit(session, action="account.password_reset", object_type="user_account", object_id=user.id,
                         actor_id=user.id, actor_role=user.role, client_ip=client_ip)
    if outcome is not CodeCheck.ACCEPTED:
        raise rejection(outcome)
    if user is None or not user.is_active:
        raise rejection(CodeCheck.MISSING)
    logger.info("Password reset for user %s", user.id)


def change_password(
    principal: Principal, current: str, password: str, confirm: str, *, client_ip: str = "", now: dt.datetime | None = None
) -> None:
    """Change the signed-in user's password; every other session of the account ends.

    Raises:
        InvalidInputError: When the current password is wrong, the new one weak,
            equal to the current one, or not confirmed.
    """
    now = now or utc_now()
    with session_scope() as session:
        user = session.get(UserAccount, principal.user_id)
        phone = None
        if user is not None and user.phone_enc:
            phone = decrypt(user.phone_enc, PHONE_COLUMN)
        login = user.login if user is not None and is_staff_role(user.role) else None
    if user is None:
        raise InvalidInputError("account.error.session_not_found")
    _check_new_password(password, confirm, phone=phone, login=login)
    valid, _ = verify_password(current or "", user.password_hash)
    if not valid:
        raise InvalidInputError("security.error.current_password_wrong", field="current_password")
    if password == current:
        raise InvalidInputError("security.error.password_unchanged", field="password")
    password_hash = hash_password(password)
    with session_scope() as session:
        user = session.get(UserAccount, principal.user_id)
        _store_password(session, user, password_hash, now)
        user.must_change_password = False
        revoke_user_sessions(session, user.id, "password_changed", keep_session_id=principal.session_id, now=now)
        record_audit(session, action="account.password_changed", object_type="user_account", object_id=user.id,
                     actor_id=user.id, actor_role=user.role, client_ip=client_ip)
    logger.info("User %s changed their password", principal.user_id)


def _store_password(session: Session, user: UserAccount, password_hash: str, now: dt.datetime) -> None:
    user.password_hash = password_hash
    user.password_changed_at = now
    user.updated_at = now
