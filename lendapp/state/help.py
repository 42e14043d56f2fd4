"""The help center: the FAQ, filtered by the borrower's search text."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from lendapp.services.content import ContentEntry, list_content, search_faq
from lendapp.state.home import ContentView, published_snapshot, to_view

logger = logging.getLogger(__name__)


class HelpState(rx.State):
    """The FAQ entries matching the search text."""

    query: str = ""
    # The FAQ read at startup is compiled into the static HTML; load() refreshes it.
    faqs: list[ContentView] = rx.field(default_factory=lambda: published_snapshot().entries("faq"))
    load_failed: bool = False
    # Every FAQ entry stays on the server; the browser receives only the matches.
    _entries: list[ContentEntry] = []

    @rx.event
    async def load(self) -> None:
        """Load the FAQ entries off the event loop and show them all."""
        try:
            grouped = await asyncio.to_thread(list_content, ("faq",))
        except Exception:
            logger.exception("Loading the FAQ for the help center failed")
            self.load_failed = True
            return
        self.load_failed = False
        self._entries = grouped["faq"]
        self.query = ""
        self.faqs = [to_view(entry) for entry in self._entries]

    @rx.event
    def set_query(self, text: str) -> None:
        """Filter the FAQ by ``text`` in either language."""
        self.query = text
        self.faqs = [to_view(entry) for entry in search_faq(self._entries, text)]
