"""Calculator widgets: the input form, the headline figures, the schedule and the method comparison."""

from __future__ import annotations

import reflex as rx

from lendapp.components.charts import principal_interest_chart
from lendapp.components.layout import TAP_TARGET
from lendapp.components.product_card import METHODS, method_name
from lendapp.components.text import localized, t
from lendapp.state.calculator import CalculatorState, ComparisonView, ProductOption, RowView
from lendapp.state.i18n import I18nState

DEBOUNCE_MS = 400


def message(key: rx.Var) -> rx.Var:
    """Look up the localized text of a catalog key stored in state."""
    return I18nState.messages[key].to(str)


def _field_error(key: rx.Var, field_id: str) -> rx.Component:
    return rx.cond(
        key != "",
        rx.text(message(key), color_scheme="red", size="2", id=f"{field_id}-error", role="alert"),
    )


def _label(text: rx.Var, field_id: str) -> rx.Component:
    return rx.el.label(text, html_for=field_id, font_weight="500", font_size="var(--font-size-2)")


def _text_field(label: rx.Var, field_id: str, value: rx.Var, on_change, hint: rx.Component, error: rx.Var) -> rx.Component:
    return rx.vstack(
        _label(label, field_id),
        rx.debounce_input(
            rx.input(
                value=value,
                on_change=on_change,
                id=field_id,
                input_mode="decimal",
                size="3",
                width="100%",
                aria_invalid=rx.cond(error != "", "true", "false"),
            ),
            debounce_timeout=DEBOUNCE_MS,
        ),
        hint,
        _field_error(error, field_id),
        spacing="1",
        width="100%",
    )


def _hint(*children) -> rx.Component:
    return rx.text(*children, size="1", color_scheme="gray")


def _product_item(option: ProductOption) -> rx.Component:
    return rx.select.item(localized(option.name_zh, option.name_en), value=option.code)


def _selects() -> rx.Component:
    return rx.grid(
        rx.vstack(
            _label(t("calculator.product"), "calc-product"),
            rx.select.root(
                rx.select.trigger(id="calc-product", width="100%", min_height=TAP_TARGET),
                rx.select.content(rx.foreach(CalculatorState.products, _product_item)),
                value=CalculatorState.product_code,
                on_change=CalculatorState.set_product,
                size="3",
            ),
            _field_error(CalculatorState.product_error, "calc-product"),
            spacing="1",
            width="100%",
        ),
        rx.vstack(
            _label(t("calculator.method"), "calc-method"),
            rx.select.root(
                rx.select.trigger(id="calc-method", width="100%", min_height=TAP_TARGET),
                rx.select.content(*[rx.select.item(t(f"method.{name}"), value=name) for name in METHODS]),
                value=CalculatorState.method,
                on_change=CalculatorState.set_method,
                size="3",
            ),
            spacing="1",
            width="100%",
        ),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="3",
        width="100%",
    )


def calculator_form() -> rx.Component:
    """The inputs: product, method, amount, term and nominal rate, each with its range and message."""
    selected = CalculatorState.selected
    return rx.card(
        rx.vstack(
            _selects(),
            rx.grid(
                _text_field(
                    t("calculator.amount"), "calc-amount", CalculatorState.amount_text, CalculatorState.set_amount,
                    _hint(t("calculator.range"), " ", selected.amount_range), CalculatorState.amount_error,
                ),
                _text_field(
                    rx.cond(CalculatorState.is_bullet, t("calculator.term_days"), t("calculator.term_months")),
                    "calc-term", CalculatorState.term_text, CalculatorState.set_term,
                    _hint(
                        t("calculator.range"), " ",
                        rx.cond(CalculatorState.is_bullet, selected.day_range, selected.month_range), " ",
                        rx.cond(CalculatorState.is_bullet, t("unit.days"), t("unit.months")),
                    ),
                    CalculatorState.term_error,
                ),
                _text_field(
                    t("calculator.rate"), "calc-rate", CalculatorState.rate_text, CalculatorState.set_rate,
                    _hint(t("calculator.range"), " ", selected.rate_range), CalculatorState.rate_error,
                ),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="3",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
    )


def _figure(label_key: str, value: rx.Var, figure_id: str, prominent: bool = False) -> rx.Component:
    return rx.vstack(
        rx.text(t(label_key), size="2", color_scheme="gray"),
        rx.text(value, size="6" if prominent else "4", weight="bold", id=figure_id, color_scheme="jade" if prominent else None),
        spacing="0",
    )


def result_summary() -> rx.Component:
    """Render the headline figures, with the APR as large as the payment."""
    result = CalculatorState.result
    return rx.card(
        rx.grid(
            rx.vstack(
                rx.text(message(result.payment_key), size="2", color_scheme="gray"),
                rx.text(result.payment, size="6", weight="bold", id="calc-payment", color_scheme="jade"),
                spacing="0",
            ),
            _figure("calculator.result.apr", result.apr, "calc-apr", prominent=True),
            rx.cond(
                result.final_payment != "",
                _figure("calculator.result.final_payment", result.final_payment, "calc-final-payment"),
            ),
            _figure("calculator.result.apr_compounded", result.apr_compounded, "calc-apr-compounded"),
            _figure("calculator.result.nominal_rate", result.nominal_rate, "calc-nominal-rate"),
            _figure("calculator.result.total_interest", result.total_interest, "calc-total-interest"),
            _figure("calculator.result.total_fees", result.total_fees, "calc-total-fees"),
            _figure("calculator.result.total_cost", result.total_cost, "calc-total-cost"),
            _figure("calculator.result.amount_received", result.amount_received, "calc-received"),
            _figure("calculator.result.total_payment", result.total_payment, "calc-total-payment"),
            columns=rx.breakpoints(initial="2", md="3"),
            spacing="4",
            width="100%",
        ),
        rx.text(t("calculator.apr_note"), size="1", color_scheme="gray", margin_top="0.75rem"),
        width="100%",
        id="calc-result",
    )


def _row(row: RowView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.number),
        rx.table.cell(row.due_date),
        rx.table.cell(row.payment),
        rx.table.cell(row.principal),
        rx.table.cell(row.interest),
        rx.table.cell(row.fee),
        rx.table.cell(row.balance),
        white_space="nowrap",
    )


def schedule_table() -> rx.Component:
    """Render the full schedule, which scrolls sideways inside its own box on a phone."""
    headers = ("number", "due_date", "payment", "principal", "interest", "fee", "balance")
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(*[rx.table.column_header_cell(t(f"calculator.schedule.{name}"), white_space="nowrap") for name in headers])
            ),
            rx.table.body(rx.foreach(CalculatorState.rows, _row)),
            size="1",
            variant="surface",
            width="max-content",
        ),
        overflow_x="auto",
        max_width="100%",
        id="calc-schedule",
        # The box scrolls, not the table's own scroll area (its width is max-content), so keyboards can reach it.
        tab_index=0,
        role="region",
        aria_label=t("calculator.schedule_heading"),
    )


def _comparison_row(item: ComparisonView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(method_name(item.method)),
        rx.table.cell(item.payment, " ", rx.text(message(item.payment_key), as_="span", size="1", color_scheme="gray")),
        rx.table.cell(item.total_interest),
        rx.table.cell(item.apr, weight="bold"),
    )


def comparison_table() -> rx.Component:
    """Render the four repayment methods side by side at the same amount, term and rate."""
    return rx.vstack(
        rx.text(t("calculator.comparison_note"), " ", CalculatorState.comparison_months, " ", t("unit.months"), size="2", color_scheme="gray"),
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[rx.table.column_header_cell(t(f"calculator.comparison.{name}"), white_space="nowrap")
                          for name in ("method", "payment", "total_interest", "apr")]
                    )
                ),
                rx.table.body(rx.foreach(CalculatorState.comparison, _comparison_row)),
                size="1",
                variant="surface",
                width="max-content",
            ),
            overflow_x="auto",
            max_width="100%",
            id="calc-comparison",
            tab_index=0,
            role="region",
            aria_label=t("calculator.comparison_heading"),
        ),
        spacing="2",
        width="100%",
    )


def apply_link() -> rx.Component:
    """Render a link to the application form that carries the current terms."""
    return rx.link(
        rx.button(t("calculator.apply_with_terms"), size="3", high_contrast=True, min_height=TAP_TARGET),
        href="/apply?" + CalculatorState.query,
        id="calc-apply",
    )


def result_section() -> rx.Component:
    """Render everything shown once a quote exists."""
    return rx.vstack(
        result_summary(),
        apply_link(),
        rx.heading(t("calculator.chart_heading"), as_="h2", size="5"),
        principal_interest_chart(CalculatorState.figure),
        rx.heading(t("calculator.comparison_heading"), as_="h2", size="5"),
        comparison_table(),
        rx.heading(t("calculator.schedule_heading"), as_="h2", size="5"),
        schedule_table(),
        spacing="4",
        width="100%",
    )
