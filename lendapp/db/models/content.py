"""Editable site content: FAQs, borrower stories, partners and licence disclosures."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now

CONTENT_KINDS = ("faq", "story", "partner", "licence")


class SiteContent(SQLModel, table=True):
    """One entry of public site content in Chinese and English.

    ``kind`` is one of ``CONTENT_KINDS``. For a licence entry the title is the
    field's name (for example the licence number) and the body its value.
    """

    __tablename__ = "site_content"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, sa_column_kwargs={"unique": True}, description="Stable identifier, e.g. faq.fees.")
    kind: str = Field(max_length=16, index=True)
    title_zh: str = Field(max_length=256)
    title_en: str = Field(max_length=256)
    body_zh: str = Field(default="", sa_type=sa.Text)
    body_en: str = Field(default="", sa_type=sa.Text)
    sort_order: int = Field(default=0)
    is_published: bool = Field(default=True)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
