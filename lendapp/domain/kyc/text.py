"""Normalization shared by the checks: what a phone keyboard may add to a typed number."""

from __future__ import annotations

import unicodedata

# Longer input is rejected before any parsing, so a pasted page of text costs nothing.
MAX_INPUT_LENGTH = 64
_SEPARATORS = frozenset(" -")


def compact(text: str) -> str:
    """Apply NFKC (full-width digits and letters become ASCII), drop whitespace and hyphens, upper-case."""
    normalized = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in normalized if not ch.isspace() and ch not in _SEPARATORS).upper()
