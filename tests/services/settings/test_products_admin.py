"""Product settings in the service layer: create, edit, validation, versions, audit and permissions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry, Loan, LoanInstallment, LoanProduct, LoanProductVersion
from lendapp.services import products_admin
from lendapp.services.audit import verify_chain
from lendapp.services.auth_errors import NotFoundError, PermissionDeniedError
from lendapp.services.products_admin import ProductDraft, ProductValidationError
from lendapp.services.quotes import list_product_terms, load_product_terms
from lendapp.services.sessions import Principal
from tests.services.loans.helpers import book_test_loan

FORM = {
    "code": "green-home", "segment": "consumer", "method": "equal_installment",
    "name_zh": "绿色家居贷", "name_en": "Green home loan", "summary_zh": "节能家电与装修。", "summary_en": "Efficient appliances and renovation.",
    "min_amount": "2000", "max_amount": "100000", "min_term_months": "6", "max_term_months": "36",
    "min_annual_rate": "7.2", "max_annual_rate": "15", "upfront_fee_rate": "0", "penalty_daily_rate": "0.05",
    "grace_days": "3", "min_age": "22", "max_age": "60", "sort_order": "5",
}


def _draft(**changes: str) -> ProductDraft:
    return products_admin.parse_product_form({**FORM, **changes})


def _errors(**changes: str) -> dict[str, str]:
    with pytest.raises(ProductValidationError) as caught:
        products_admin.validate_draft(_draft(**changes))
    return {field: key for field, (key, _params) in caught.value.errors.items()}


def _audit(action: str) -> list[AuditEntry]:
    with session_scope() as session:
        return list(session.execute(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.sequence)).scalars())


def _versions(code: str) -> list[LoanProductVersion]:
    with session_scope() as session:
        return list(session.execute(
            sa.select(LoanProductVersion)
            .join(LoanProduct, LoanProduct.id == LoanProductVersion.product_id)
            .where(LoanProduct.code == code)
            .order_by(LoanProductVersion.version)
        ).scalars())


def _current(admin: Principal, code: str) -> products_admin.ProductSettings:
    return products_admin.get_product(admin, code)


def test_parse_form_reads_percent() -> None:
    draft = _draft()

    assert draft.max_annual_rate == Decimal("0.15")
    assert draft.penalty_daily_rate == Decimal("0.0005")
    assert draft.min_amount == Decimal("2000")
    assert draft.min_term_months == 6


def test_parse_form_reports_each_field() -> None:
    with pytest.raises(ProductValidationError) as caught:
        products_admin.parse_product_form({**FORM, "name_en": " ", "min_amount": "abc", "grace_days": "2.5"})

    assert caught.value.errors["name_en"][0] == "settings.error.required"
    assert caught.value.errors["min_amount"][0] == "settings.error.number"
    assert caught.value.errors["grace_days"][0] == "settings.error.integer"


def test_form_round_trip() -> None:
    draft = _draft()

    assert products_admin.parse_product_form(products_admin.draft_to_form(draft)) == draft


def test_create_product_stores_version_and_audit(admin: Principal) -> None:
    created = products_admin.create_product(admin, _draft(), client_ip="127.0.0.1")

    assert created.version == 1
    assert created.is_active
    assert load_product_terms("green-home").max_annual_rate == Decimal("0.15")
    versions = _versions("green-home")
    assert [version.version for version in versions] == [1]
    assert versions[0].changed_by == admin.user_id
    entries = _audit("product.create")
    assert len(entries) == 1
    assert json.loads(entries[0].after)["max_annual_rate"] == "0.150000"
    assert entries[0].actor_id == admin.user_id
    assert verify_chain().ok


def test_create_rejects_taken_code(admin: Principal, product: str) -> None:
    with pytest.raises(ProductValidationError) as caught:
        products_admin.create_product(admin, _draft(code=product))

    assert caught.value.errors == {"code": ("settings.product.error.code_taken", {})}


@pytest.mark.parametrize(
    "changes,field,key",
    [
        ({"code": "Green Home"}, "code", "settings.product.error.code_format"),
        ({"code": "ab"}, "code", "settings.product.error.code_format"),
        ({"code": "green-"}, "code", "settings.product.error.code_format"),
        ({"segment": "mortgage"}, "segment", "settings.error.choice"),
        ({"method": "balloon"}, "method", "settings.error.choice"),
        ({"min_amount": "5000", "max_amount": "4000"}, "max_amount", "settings.error.below_minimum"),
        ({"max_amount": "200000000"}, "max_amount", "settings.error.range"),
        ({"min_amount": "1000.005"}, "min_amount", "settings.error.cents"),
        ({"min_term_months": "0"}, "min_term_months", "settings.error.range"),
        ({"max_term_months": "361"}, "max_term_months", "settings.error.range"),
        ({"min_term_months": "12", "max_term_months": "6"}, "max_term_months", "settings.error.below_minimum"),
        ({"min_annual_rate": "16"}, "max_annual_rate", "settings.error.below_minimum"),
        ({"max_annual_rate": "12.345678"}, "max_annual_rate", "settings.error.decimals"),
        ({"upfront_fee_rate": "60"}, "upfront_fee_rate", "settings.error.range"),
        ({"min_age": "16"}, "min_age", "settings.error.range"),
        ({"min_age": "40", "max_age": "40"}, "max_age", "settings.error.below_minimum"),
        ({"grace_days": "31"}, "grace_days", "settings.error.range"),
        ({"sort_order": "-1"}, "sort_order", "settings.error.range"),
    ],
)
def test_validation_rejects_incoherent_ranges(changes: dict[str, str], field: str, key: str) -> None:
    assert _errors(**changes)[field] == key


def test_validation_requires_both_names() -> None:
    draft = dataclasses.replace(_draft(), name_zh="  ")

    with pytest.raises(ProductValidationError) as caught:
        products_admin.validate_draft(draft)

    assert caught.value.errors["name_zh"][0] == "settings.error.required"


def test_validation_rejects_rate_above_cap() -> None:
    errors = _errors(max_annual_rate="25")

    assert errors == {"max_annual_rate": "settings.product.error.over_cap"}


def test_validation_rejects_fee_that_lifts_apr_above_cap() -> None:
    # 23% nominal is under the 24% cap, but a 2% fee over 6 months lifts the APR above it.
    errors = _errors(max_annual_rate="23", upfront_fee_rate="2")

    assert errors == {"upfront_fee_rate": "settings.product.error.over_cap"}


def test_validation_accepts_rate_at_cap() -> None:
    products_admin.validate_draft(_draft(max_annual_rate="24"))


def test_validation_rejects_penalty_above_fee_policy() -> None:
    # The fee policy allows at most 24% a year of penalty interest, about 0.0658% a day.
    errors = _errors(penalty_daily_rate="0.07")

    assert errors == {"penalty_daily_rate": "settings.product.error.penalty"}


def test_update_bumps_version_and_keeps_old_snapshot(admin: Principal, product: str) -> None:
    before = _current(admin, product)
    draft = dataclasses.replace(before.draft, name_en="Flexi loan", max_annual_rate=Decimal("0.16"))

    saved = products_admin.update_product(admin, product, draft, before.version, client_ip="127.0.0.1")

    assert saved.version == 2
    versions = _versions(product)
    assert [version.version for version in versions] == [1, 2]
    assert json.loads(versions[0].snapshot_json)["max_annual_rate"] == "0.180000"
    assert json.loads(versions[1].snapshot_json)["max_annual_rate"] == "0.160000"
    assert versions[0].changed_by is None
    assert versions[1].changed_by == admin.user_id
    entry = _audit("product.update")[0]
    assert json.loads(entry.before) == {"version": 1, "name_en": "Flexi consumer loan", "max_annual_rate": "0.180000"}
    assert json.loads(entry.after) == {"version": 2, "name_en": "Flexi loan", "max_annual_rate": "0.160000"}
    assert entry.client_ip == "127.0.0.1"
    assert load_product_terms(product).max_annual_rate == Decimal("0.16")


def test_update_without_changes_writes_nothing(admin: Principal, product: str) -> None:
    before = _current(admin, product)

    saved = products_admin.update_product(admin, product, before.draft, before.version)

    assert saved.version == before.version
    assert _versions(product) == []
    assert _audit("product.update") == []


def test_update_rejects_stale_version(admin: Principal, product: str) -> None:
    before = _current(admin, product)
    products_admin.update_product(admin, product, dataclasses.replace(before.draft, grace_days=5), before.version)

    with pytest.raises(ProductValidationError) as caught:
        products_admin.update_product(admin, product, dataclasses.replace(before.draft, grace_days=7), before.version)

    assert caught.value.errors["version"][0] == "settings.product.error.stale"
    assert _current(admin, product).draft.grace_days == 5


def test_update_rejects_code_change(admin: Principal, product: str) -> None:
    before = _current(admin, product)

    with pytest.raises(ProductValidationError) as caught:
        products_admin.update_product(admin, product, dataclasses.replace(before.draft, code="consumer-new"), before.version)

    assert caught.value.errors == {"code": ("settings.product.error.code_fixed", {})}


def test_update_validates_new_values(admin: Principal, product: str) -> None:
    before = _current(admin, product)

    with pytest.raises(ProductValidationError):
        products_admin.update_product(admin, product, dataclasses.replace(before.draft, max_annual_rate=Decimal("0.30")), before.version)

    assert _current(admin, product).version == 1
    assert _audit("product.update") == []


def test_risk_manager_changes_pricing(admin: Principal, risk_manager: Principal, product: str) -> None:
    before = _current(risk_manager, product)
    draft = dataclasses.replace(before.draft, min_annual_rate=Decimal("0.08"), penalty_daily_rate=Decimal("0.0004"), grace_days=5)

    saved = products_admin.update_product(risk_manager, product, draft, before.version)

    assert saved.version == 2
    assert _audit("product.update")[0].actor_role == "risk_manager"


def test_risk_manager_refused_other_fields(risk_manager: Principal, product: str) -> None:
    before = _current(risk_manager, product)
    draft = dataclasses.replace(before.draft, name_en="Renamed", max_amount=Decimal("150000"))

    with pytest.raises(PermissionDeniedError) as caught:
        products_admin.update_product(risk_manager, product, draft, before.version)

    assert caught.value.key == "settings.product.error.pricing_only"
    assert caught.value.params == {"fields": "max_amount, name_en"}
    assert _current(risk_manager, product).version == 1


def test_risk_manager_cannot_create_or_deactivate(risk_manager: Principal, product: str) -> None:
    with pytest.raises(PermissionDeniedError):
        products_admin.create_product(risk_manager, _draft())
    with pytest.raises(PermissionDeniedError):
        products_admin.set_product_active(risk_manager, product, False)


def test_reviewer_refused_everything(reviewer: Principal, product: str) -> None:
    with pytest.raises(PermissionDeniedError):
        products_admin.list_products(reviewer)
    with pytest.raises(PermissionDeniedError):
        products_admin.get_product(reviewer, product)
    with pytest.raises(PermissionDeniedError):
        products_admin.product_history(reviewer, product)
    with pytest.raises(PermissionDeniedError):
        products_admin.update_product(reviewer, product, _draft(code=product), 1)


def test_editable_fields_by_role() -> None:
    assert products_admin.editable_fields("admin") == frozenset(products_admin.EDITABLE_FIELDS)
    assert products_admin.editable_fields("risk_manager") == products_admin.PRICING_FIELDS
    assert products_admin.editable_fields("reviewer") == frozenset()


def test_deactivate_hides_product_from_site(admin: Principal, product: str) -> None:
    products_admin.set_product_active(admin, product, False, client_ip="127.0.0.1")

    assert load_product_terms(product) is None
    assert [terms.code for terms in list_product_terms()] == []
    listed = products_admin.list_products(admin)
    assert [(item.draft.code, item.is_active) for item in listed] == [(product, False)]
    assert json.loads(_audit("product.deactivate")[0].after) == {"is_active": False}

    products_admin.set_product_active(admin, product, True)

    assert load_product_terms(product) is not None


def test_unknown_product_not_found(admin: Principal) -> None:
    with pytest.raises(NotFoundError):
        products_admin.get_product(admin, "no-such-product")


def test_history_lists_changed_fields(admin: Principal, product: str) -> None:
    first = _current(admin, product)
    second = products_admin.update_product(admin, product, dataclasses.replace(first.draft, grace_days=5), first.version)
    products_admin.update_product(admin, product, dataclasses.replace(second.draft, name_zh="新名称", sort_order=9), second.version)

    history = products_admin.product_history(admin, product)

    assert [view.version for view in history] == [3, 2, 1]
    assert history[0].changed_fields == ("name_zh", "sort_order")
    assert history[1].changed_fields == ("grace_days",)
    assert history[2].changed_fields == ()
    assert history[0].changed_by == admin.display_name
    assert history[2].changed_by == ""


def _loan_terms(loan_id: int) -> tuple[str, list[tuple]]:
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        rows = session.execute(
            sa.select(LoanInstallment.seq, LoanInstallment.due_date, LoanInstallment.principal, LoanInstallment.interest)
            .where(LoanInstallment.loan_id == loan_id).order_by(LoanInstallment.seq)
        ).all()
        return loan.terms_json, [tuple(row) for row in rows]


def test_product_edit_keeps_booked_loan_terms(admin: Principal, risk_manager: Principal, engine: sa.Engine) -> None:
    _, loan_id = book_test_loan(start=dt.date(2026, 1, 15))
    code = products_admin.list_products(admin)[0].draft.code
    terms_before, rows_before = _loan_terms(loan_id)
    current = _current(admin, code)

    draft = dataclasses.replace(
        current.draft, min_annual_rate=Decimal("0.05"), max_annual_rate=Decimal("0.09"),
        penalty_daily_rate=Decimal("0.0002"), grace_days=10,
    )
    products_admin.update_product(risk_manager, code, draft, current.version)

    terms_after, rows_after = _loan_terms(loan_id)
    assert terms_after == terms_before
    assert rows_after == rows_before
    assert json.loads(terms_after)["terms"]["annual_rate"] == "0.12"
