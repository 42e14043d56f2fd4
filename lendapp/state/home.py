"""The home page: products with their APR ranges, and the site content entries."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging

import reflex as rx

from lendapp.services.content import ContentEntry, list_content
from lendapp.services.quotes import list_product_disclosures
from lendapp.state.product_page import ProductView, format_disclosure

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class ContentView:
    """One content entry in both languages."""

    key: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str


def to_view(entry: ContentEntry) -> ContentView:
    """Copy a content entry into a state-friendly view."""
    return ContentView(entry.key, entry.title_zh, entry.title_en, entry.body_zh, entry.body_en)


@dataclasses.dataclass(frozen=True)
class PublishedSnapshot:
    """The products and content entries read once per process, for initial state values."""

    products: tuple[ProductView, ...] = ()
    content: tuple[tuple[str, tuple[ContentView, ...]], ...] = ()

    def entries(self, kind: str) -> list[ContentView]:
        """Return a fresh list of the entries of ``kind``."""
        return list(dict(self.content).get(kind, ()))


@functools.cache
def published_snapshot() -> PublishedSnapshot:
    """Read the active products and published content once per process.

    The values become the initial state that Reflex compiles into the static
    HTML when the app starts (``make run``), so search engines and borrowers
    without scripts see product names and the FAQ. Staleness rule: a product or
    entry changed by staff appears in the static HTML at the next start, and
    live once the page hydrates, because every page's on_load reads the database
    again. A database that cannot be read (no tables yet, unit tests) gives an
    empty snapshot, and the pages then fill in after hydration.
    """
    try:
        disclosures = list_product_disclosures()
        grouped = list_content()
    except Exception:
        logger.warning("Reading products and content for the initial page state failed; pages fill in after loading", exc_info=True)
        return PublishedSnapshot()
    content = tuple((kind, tuple(to_view(entry) for entry in entries)) for kind, entries in grouped.items())
    return PublishedSnapshot(tuple(format_disclosure(disclosure) for disclosure in disclosures), content)


def _initial_products() -> list[ProductView]:
    return list(published_snapshot().products)


class HomeState(rx.State):
    """Products and content shown on the home page."""

    products: list[ProductView] = rx.field(default_factory=_initial_products)
    load_failed: bool = False
    faqs: list[ContentView] = rx.field(default_factory=lambda: published_snapshot().entries("faq"))
    stories: list[ContentView] = rx.field(default_factory=lambda: published_snapshot().entries("story"))
    partners: list[ContentView] = rx.field(default_factory=lambda: published_snapshot().entries("partner"))
    licence: list[ContentView] = rx.field(default_factory=lambda: published_snapshot().entries("licence"))

    @rx.event
    async def load_products(self) -> None:
        """Load the active products with their APR ranges off the event loop."""
        try:
            disclosures = await asyncio.to_thread(list_product_disclosures)
        except Exception:
            logger.exception("Loading products for the home page failed")
            self.load_failed = True
            return
        self.load_failed = False
        self.products = [format_disclosure(disclosure) for disclosure in disclosures]

    @rx.event
    async def load_content(self) -> None:
        """Load the FAQ, stories, partners and licence fields off the event loop."""
        try:
            grouped = await asyncio.to_thread(list_content)
        except Exception:
            logger.exception("Loading site content for the home page failed")
            return
        self.faqs = [to_view(entry) for entry in grouped["faq"]]
        self.stories = [to_view(entry) for entry in grouped["story"]]
        self.partners = [to_view(entry) for entry in grouped["partner"]]
        self.licence = [to_view(entry) for entry in grouped["licence"]]
