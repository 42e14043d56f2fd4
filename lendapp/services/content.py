"""Reading the public site's content entries: FAQs, stories, partners and licence fields."""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata

import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import SiteContent
from lendapp.db.models.content import CONTENT_KINDS

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ContentEntry:
    """One published entry in both languages."""

    key: str
    kind: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str


def list_content(kinds: tuple[str, ...] = CONTENT_KINDS, engine: sa.Engine | None = None) -> dict[str, list[ContentEntry]]:
    """Return the published entries of ``kinds``, grouped by kind, each group in display order.

    Raises:
        ValueError: A kind is not one of ``CONTENT_KINDS``.
    """
    unknown = set(kinds) - set(CONTENT_KINDS)
    if unknown:
        raise ValueError(f"unknown content kinds {sorted(unknown)}; expected some of {CONTENT_KINDS}")
    grouped: dict[str, list[ContentEntry]] = {kind: [] for kind in kinds}
    with session_scope(engine) as session:
        rows = session.exec(
            select(SiteContent)
            .where(SiteContent.is_published, SiteContent.kind.in_(kinds))
            .order_by(SiteContent.sort_order, SiteContent.id)
        ).all()
        for row in rows:
            grouped[row.kind].append(
                ContentEntry(row.key, row.kind, row.title_zh, row.title_en, row.body_zh, row.body_en)
            )
    return grouped


def _searchable(text: str) -> str:
    # NFKC folds full-width letters and digits (ＡＰＲ, １２) into ASCII, as Chinese keyboards may type them.
    return unicodedata.normalize("NFKC", text).casefold()


def _term_pattern(term: str) -> re.Pattern[str]:
    # A Latin word matches at the start of a word, so "late" finds "late fee" but not "calculated".
    # Chinese has no spaces between words, so a Chinese term matches anywhere.
    prefix = r"(?<![a-z0-9])" if term[0].isascii() and term[0].isalnum() else ""
    return re.compile(prefix + re.escape(term))


def search_faq(entries: list[ContentEntry], text: str) -> list[ContentEntry]:
    """Return the FAQ entries whose question or answer contains every word of ``text``, in either language.

    The match ignores case and full-width forms; empty text returns every entry.
    """
    patterns = [_term_pattern(term) for term in _searchable(text).split()]
    if not patterns:
        return list(entries)
    matches = []
    for entry in entries:
        haystack = _searchable("\n".join((entry.title_zh, entry.title_en, entry.body_zh, entry.body_en)))
        if all(pattern.search(haystack) for pattern in patterns):
            matches.append(entry)
    return matches
