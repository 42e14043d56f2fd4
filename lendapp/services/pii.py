"""Personal data at rest: encrypted borrower profiles, masked views and audited reveals.

Full names, resident ID numbers, bank card numbers and phone numbers are
stored as AES-GCM ciphertext (see ``lendapp.integrations.crypto``) plus a
keyed hash for lookups. Screens get masked values. A staff member with the
``pii_reveal`` permission can reveal one full value at a time, and each
reveal is written to the audit log with the field name but not the value.
"""

from __future__ import annotations

import dataclasses
import enum
import logging

from sqlmodel import Session, select
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

from lendapp.db.engine import session_scope
from lendapp.db.models import BorrowerProfile, UserAccount
from lendapp.db.types import utc_now
from lendapp.domain.masking import mask_bank_card, mask_id_number, mask_name, mask_phone
from lendapp.domain.permissions import Permission
from lendapp.domain.roles import Role
from lendapp.integrations.crypto import field_cipher, keyed_hash
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

# Column names bound into each ciphertext: "<table>.<column without _enc>", the
# convention key rotation relies on to find every encrypted column.
PHONE_COLUMN = "user_account.phone"
TOTP_SECRET_COLUMN = "user_account.totp_secret"
TOTP_PENDING_SECRET_COLUMN = "user_account.totp_pending_secret"
FULL_NAME_COLUMN = "borrower_profile.full_name"
ID_NUMBER_COLUMN = "borrower_profile.id_number"
BANK_CARD_COLUMN = "borrower_profile.bank_card"

MAX_NAME_LENGTH = 64


class PersonalField(enum.StrEnum):
    """A personal value a staff member may reveal."""

    PHONE = "phone"
    FULL_NAME = "full_name"
    ID_NUMBER = "id_number"
    BANK_CARD = "bank_card"


@dataclasses.dataclass(frozen=True)
class ProfileView:
    """A borrower's personal data, masked for display."""

    user_id: int
    phone: str
    full_name: str
    id_number: str
    bank_card: str


def encrypt(value: str, column: str) -> str:
    """Encrypt ``value`` for ``column`` with the newest field key."""
    return field_cipher().encrypt(value, column)


def decrypt(token: str | None, column: str) -> str:
    """Decrypt a stored value of ``column``; an empty column gives ``""``."""
    return field_cipher().decrypt(token, column) if token else ""


def id_number_hash(id_number: str) -> str:
    """Return the keyed hash that finds a profile by resident ID number."""
    return keyed_hash(ric.compact(id_number).upper(), "resident id number")


def bank_card_hash(card_number: str) -> str:
    """Return the keyed hash that finds a profile by bank card number."""
    return keyed_hash(_card_digits(card_number), "bank card number")


def full_name_hash(full_name: str) -> str:
    """Return the keyed hash of a full name, for exact-match lookups."""
    return keyed_hash(full_name.strip(), "full name")


def _card_digits(card_number: str) -> str:
    return "".join(ch for ch in card_number if ch.isdigit())


def _borrower_profile(session: Session, user_id: int) -> BorrowerProfile:
    user = session.get(UserAccount, user_id)
    if user is None or user.role != Role.BORROWER:
        raise NotFoundError("account.error.borrower_not_found")
    profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user_id)).first()
    if profile is None:
        profile = BorrowerProfile(user_id=user_id)
        session.add(profile)
    return profile


def save_identity(user_id: int, full_name: str, id_number: str) -> None:
    """Store a borrower's full name and resident ID number, encrypted.

    Raises:
        InvalidInputError: When the name is empty or too long, the ID number
            fails its checksum, or another account already uses it.
        NotFoundError: When ``user_id`` is not a borrower.
    """
    name = full_name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInputError("profile.error.name_invalid", field="full_name")
    try:
        compact = ric.validate(id_number).upper()
    except StdnumValidationError:
        raise InvalidInputError("profile.error.id_number_invalid", field="id_number") from None
    with session_scope() as session:
        profile = _borrower_profile(session, user_id)
        number_hash = id_number_hash(compact)
        other = session.exec(
            select(BorrowerProfile.user_id).where(BorrowerProfile.id_number_hash == number_hash, BorrowerProfile.user_id != user_id)
        ).first()
        if other is not None:
            raise InvalidInputError("profile.error.id_number_taken", field="id_number")
        profile.full_name_enc = encrypt(name, FULL_NAME_COLUMN)
        profile.full_name_hash = full_name_hash(name)
        profile.id_number_enc = encrypt(compact, ID_NUMBER_COLUMN)
        profile.id_number_hash = number_hash
        profile.updated_at = utc_now()
    logger.info("Identity saved for borrower %s", user_id)


def save_bank_card(user_id: int, card_number: str) -> None:
    """Store a borrower's bank card number, encrypted.

    Raises:
        InvalidInputError: When the number is not 16 to 19 digits or fails the Luhn check.
        NotFoundError: When ``user_id`` is not a borrower.
    """
    digits = _card_digits(card_number)
    if not 16 <= len(digits) <= 19 or not luhn.is_valid(digits):
        raise InvalidInputError("profile.error.bank_card_invalid", field="bank_card")
    with session_scope() as session:
        profile = _borrower_profile(session, user_id)
        profile.bank_card_enc = encrypt(digits, BANK_CARD_COLUMN)
        profile.bank_card_hash = bank_card_hash(digits)
        profile.updated_at = utc_now()
    logger.info("Bank card saved for borrower %s", user_id)


def own_profile(principal: Principal) -> ProfileView:
    """Return the signed-in user's own personal data, masked."""
    with session_scope() as session:
        user = session.get(UserAccount, principal.user_id)
        if user is None:
            raise NotFoundError("account.error.borrower_not_found")
        profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == user.id)).first()
        phone = decrypt(user.phone_enc, PHONE_COLUMN)
        name = decrypt(profile.full_name_enc, FULL_NAME_COLUMN) if profile else ""
        id_number = decrypt(profile.id_number_enc, ID_NUMBER_COLUMN) if profile else ""
        card = decrypt(profile.bank_card_enc, BANK_CARD_COLUMN) if profile else ""
    return ProfileView(
        user_id=principal.user_id,
        phone=mask_phone(phone) if phone else "",
        full_name=mask_name(name) if name else "",
        id_number=mask_id_number(id_number) if id_number else "",
        bank_card=mask_bank_card(card) if card else "",
    )


def reveal_value(actor: Principal, borrower_id: int, field: PersonalField, client_ip: str = "") -> str:
    """Return one full personal value of a borrower to a permitted staff member, and audit it.

    Raises:
        PermissionDeniedError: When ``actor`` lacks ``pii_reveal``.
        NotFoundError: When the borrower or the value does not exist.
    """
    if not actor.can(Permission.PII_REVEAL):
        logger.warning("Denied a reveal of %s to user %s (%s)", field, actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")
    with session_scope() as session:
        user = session.get(UserAccount, borrower_id)
        if user is None or user.role != Role.BORROWER:
            raise NotFoundError("account.error.borrower_not_found")
        profile = session.exec(select(BorrowerProfile).where(BorrowerProfile.user_id == borrower_id)).first()
        value = _stored_value(user, profile, field)
        if not value:
            raise NotFoundError("profile.error.value_missing")
        record_audit(
            session,
            action="pii.reveal",
            object_type="borrower",
            object_id=borrower_id,
            actor_id=actor.user_id,
            actor_role=actor.role,
            after={"field": str(field)},
            client_ip=client_ip,
        )
    logger.info("User %s revealed %s of borrower %s", actor.user_id, field, borrower_id)
    return value


def _stored_value(user: UserAccount, profile: BorrowerProfile | None, field: PersonalField) -> str:
    if field is PersonalField.PHONE:
        return decrypt(user.phone_enc, PHONE_COLUMN)
    if profile is None:
        return ""
    if field is PersonalField.FULL_NAME:
        return decrypt(profile.full_name_enc, FULL_NAME_COLUMN)
    if field is PersonalField.ID_NUMBER:
        return decrypt(profile.id_number_enc, ID_NUMBER_COLUMN)
    return decrypt(profile.bank_card_enc, BANK_CARD_COLUMN)


def find_borrower_by_id_number(id_number: str) -> int | None:
    """Return the borrower account id whose profile contains ``id_number``, or None."""
    try:
        compact = ric.validate(id_number)
    except StdnumValidationError:
        return None
    with session_scope() as session:
        return session.exec(
            select(BorrowerProfile.user_id).where(BorrowerProfile.id_number_hash == id_number_hash(compact))
        ).first()
