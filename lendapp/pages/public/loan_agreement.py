"""The loan agreement template, in clauses from the catalogs."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import borrower_shell
from lendapp.pages.public.privacy import legal_document

ROUTE = "/loan-agreement"
TITLE_KEY = "agreement.meta_title"
DESCRIPTION_KEY = "agreement.meta_description"

SECTIONS = ("parties", "loan", "interest", "fees", "repayment", "early", "overdue", "disputes")


def page() -> rx.Component:
    """Render the loan agreement template."""
    return borrower_shell(legal_document("agreement", SECTIONS))
