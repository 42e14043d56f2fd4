"""The loan calculator: a product, an amount, a term and a method, quoted as the borrower types."""

from __future__ import annotations

import reflex as rx

from lendapp.components.calculator import calculator_form, result_section
from lendapp.components.layout import borrower_shell
from lendapp.components.text import t
from lendapp.state.calculator import CalculatorState

ROUTE = "/calculator"
TITLE_KEY = "calculator.meta_title"
DESCRIPTION_KEY = "calculator.meta_description"
ON_LOAD = CalculatorState.load


def page() -> rx.Component:
    """Render the calculator page."""
    return borrower_shell(
        rx.vstack(
            rx.heading(t("calculator.heading"), as_="h1", size="7"),
            rx.text(t("calculator.intro"), color_scheme="gray"),
            rx.cond(
                CalculatorState.load_failed,
                rx.callout(t("calculator.unavailable"), icon="triangle-alert", color_scheme="red"),
            ),
            calculator_form(),
            rx.cond(CalculatorState.has_result, result_section()),
            spacing="4",
            width="100%",
        )
    )
