"""Reading the public site's content entries: FAQs, stories, partners and licence fields."""

from __future__ import annotations

import dataclasses
import logging

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


def search_faq(entries: list[ContentEntry], text: str) -> list[ContentEntry]:
    """Return the FAQ entries whose question or answer contains ``text`` in either language.

    The match ignores case and surrounding spaces; empty text returns every entry.
    """
    needle = text.strip().casefold()
    if not needle:
        return list(entries)
    return [
        entry
        for entry in entries
        if any(needle in part.casefold() for part in (entry.title_zh, entry.title_en, entry.body_zh, entry.body_en))
    ]
