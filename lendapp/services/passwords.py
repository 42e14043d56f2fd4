"""Password hashing with passlib's CryptContext (the maintained libpass distribution).

argon2id hashes new passwords. bcrypt hashes from older data still verify and
are flagged for re-hashing, so they are upgraded at the next sign-in. bcrypt
itself only reads the first 72 bytes of a password; argon2 has no such limit,
so long passphrases are hashed whole.
"""

from __future__ import annotations

from passlib.context import CryptContext

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

    Returns:
        ``(valid, new_hash)``, where ``new_hash`` is a fresh argon2id hash when
        the stored one uses a deprecated scheme or weaker parameters.
    """
    return password_context.verify_and_update(password, password_hash)
