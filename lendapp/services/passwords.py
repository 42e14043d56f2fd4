"""Password hashing with passlib's CryptContext (the maintained libpass distribution).

argon2id hashes new passwords. bcrypt hashes from older data still verify and
are flagged for re-hashing, so they are upgraded at the next sign-in. bcrypt
itself only reads the first 72 bytes of a password; argon2 has no such limit,
so long passphrases are hashed whole.
"""

from __future__ import annotations

import logging
import secrets

from passlib.context import CryptContext

logger = logging.getLogger(__name__)

BCRYPT_MAX_BYTES = 72

password_context = CryptContext(
    schemes=["argon2", "bcrypt"],
    deprecated=["bcrypt"],
    argon2__type="ID",
)


def hash_password(password: str) -> str:
    """Hash ``password`` with argon2id."""
    return password_context.hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Check ``password`` against a stored hash.

    A bcrypt hash only ever covered the first 72 bytes of a password. Older
    bcrypt libraries cut longer ones silently, and bcrypt 5 raises instead, so
    a longer password is compared by those bytes and then re-hashed whole.

    Returns:
        ``(valid, new_hash)``, where ``new_hash`` is a fresh argon2id hash when
        the stored one uses a deprecated scheme or weaker parameters.
    """
    secret = password.encode("utf-8")
    if len(secret) > BCRYPT_MAX_BYTES and password_context.identify(password_hash) == "bcrypt":
        if not password_context.verify(secret[:BCRYPT_MAX_BYTES], password_hash):
            return False, None
        return True, hash_password(password)
    return password_context.verify_and_update(password, password_hash)

# A hash of a random value, checked when a sign-in names no account, so that
# the response takes as long as for a real account and does not reveal which
# logins exist.
_DUMMY_HASH = password_context.hash(secrets.token_urlsafe(16))

# Letters and digits that cannot be mistaken for one another when read aloud or copied.
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def verify_against_dummy(password: str) -> None:
    """Spend the time of one password check without an account to check against."""
    password_context.verify(password, _DUMMY_HASH)


def generate_one_time_password(groups: int = 3, group_length: int = 4) -> str:
    """Return a random password such as ``k7Qm-x3Pa-9Tzw`` for an admin to hand over once.

    Each group has at least one letter, so the result never breaks the
    only-digits rule of the password policy.
    """
    while True:
        parts = ["".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(group_length)) for _ in range(groups)]
        password = "-".join(parts)
        if any(ch.isalpha() for ch in password) and any(ch.isdigit() for ch in password):
            return password
