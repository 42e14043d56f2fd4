"""Loan contracts in the service layer, on SQLite and PostgreSQL: generate, sign, download, and never change once signed."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanContract
from lendapp.domain.apr import to_percent
from lendapp.services import contracts
from lendapp.services.applications_lifecycle import ApplicationStateError
from lendapp.services.auth_errors import AccountLockedError, CodeRejectedError, InvalidCredentialsError, InvalidInputError, NotFoundError
from lendapp.services.contract_template import LOAN_TEMPLATE_VERSION
from lendapp.services.contracts import SignedContractError
from lendapp.services.documents import _read_decrypted
from tests.services.accounts.helpers import latest_code
from tests.services.contracts.helpers import (
    FULL_NAME,
    NOW,
    PASSWORD,
    START,
    application_status,
    approved_application,
    audit_actions,
    borrower_principal,
    contract_row,
    staff_principal,
    status_events,
)
from tests.services.contracts.pdf_text import embedded_fonts, extract_text

USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"


def _accept(borrower, number: str, locale: str = "zh-CN"):
    return contracts.accept_offer(borrower, number, locale=locale, client_ip="10.0.0.8", now=NOW, start_date=START)


def _sign(borrower, contract_id: int, secret: str = PASSWORD, method: str = "password"):
    return contracts.sign_contract(borrower, contract_id, method, secret, client_ip="10.0.0.8", user_agent=USER_AGENT, now=NOW)


def test_offer_quotes_both_apr_forms(borrower, application: str) -> None:
    offer = contracts.offer_of(borrower, application, start_date=START)

    assert offer.amount == Decimal("20000")
    assert offer.term == 12
    assert offer.annual_rate == Decimal("0.12")
    # Without fees, an equal-installment loan's periodic IRR is the monthly rate: 1% x 12.
    assert to_percent(offer.apr_periodic_x_n) == Decimal("12.00")
    assert to_percent(offer.apr_compounded) == Decimal("12.68")


def test_accept_generates_contract(borrower, application: str) -> None:
    view = _accept(borrower, application)

    assert view.version == 1
    assert view.status == "draft"
    assert view.template_version == LOAN_TEMPLATE_VERSION
    assert Decimal(view.terms["amount"]) == Decimal("20000")
    assert len(view.terms["rows"]) == 12
    assert application_status(application) == "offer_accepted"
    assert status_events(application) == ["offer_accepted"]
    assert audit_actions(view.contract_id) == ["contract.generate"]
    # The stored disclosures carry no personal data; the document with the name is encrypted.
    stored = contract_row(view.contract_id).terms_json
    assert FULL_NAME not in stored
    assert "document_enc" in json.loads(stored)


def test_contract_pdf_content(borrower, application: str) -> None:
    view = _accept(borrower, application)

    name, data = contracts.read_contract_pdf(borrower, view.contract_id)
    text = extract_text(data)

    assert name == f"{application}-v1.pdf"
    assert [font.partition("+")[2] for font in embedded_fonts(data)] == ["NotoSansCJKSC"]
    assert "借款合同" in text
    assert "¥20,000.00" in text
    assert "12.00%" in text and "12.68%" in text
    assert FULL_NAME in text
    assert "110***********1030" in text
    assert "110101199003071030" not in text
    assert "示例小额贷款有限公司（演示数据）" in text
    assert "0.050%" in text
    assert "个人信息保护法" in text
    assert LOAN_TEMPLATE_VERSION in text


def test_contract_pdf_english(borrower, application: str) -> None:
    view = _accept(borrower, application, locale="en")

    text = extract_text(contracts.read_contract_pdf(borrower, view.contract_id)[1])

    assert "Loan contract" in text
    assert "CN¥20,000.00" in text
    assert "Example Microfinance Co., Ltd. (demo data)" in text


def test_stored_sha256_matches_bytes(borrower, application: str) -> None:
    view = _accept(borrower, application)
    row = contract_row(view.contract_id)

    assert hashlib.sha256(_read_decrypted(row.storage_name)).hexdigest() == row.pdf_sha256
    assert view.pdf_sha256 == row.pdf_sha256


def test_sign_with_password(borrower, application: str) -> None:
    draft = _accept(borrower, application)

    signed = _sign(borrower, draft.contract_id)

    row = contract_row(draft.contract_id)
    assert signed.status == "signed"
    assert row.signature_method == "password"
    assert row.signed_at == NOW
    assert row.signed_ip == "10.0.0.8"
    assert row.signed_user_agent == USER_AGENT
    assert hashlib.sha256(_read_decrypted(row.signed_storage_name)).hexdigest() == row.signed_pdf_sha256
    assert application_status(application) == "contract_signed"
    assert status_events(application) == ["offer_accepted", "contract_signed"]
    assert audit_actions(draft.contract_id) == ["contract.generate", "contract.sign"]
    name, data = contracts.read_contract_pdf(borrower, draft.contract_id)
    text = extract_text(data)
    assert name.endswith("-signed.pdf")
    assert hashlib.sha256(data).hexdigest() == row.signed_pdf_sha256
    assert "电子签署记录" in text
    assert row.pdf_sha256 in text.replace("\n", "")
    assert "10.0.0.8" in text
    assert "登录密码" in text
    assert "¥20,000.00" in text


def test_sign_twice_is_replayed(borrower, application: str) -> None:
    draft = _accept(borrower, application)
    first = _sign(borrower, draft.contract_id)

    again = _sign(borrower, draft.contract_id, secret="anything at all")

    assert not first.replayed
    assert again.replayed
    assert again.signed_pdf_sha256 == first.signed_pdf_sha256
    assert audit_actions(draft.contract_id) == ["contract.generate", "contract.sign"]


def test_wrong_password_changes_nothing(borrower, application: str) -> None:
    draft = _accept(borrower, application)

    with pytest.raises(InvalidCredentialsError):
        _sign(borrower, draft.contract_id, secret="not my password 1")

    row = contract_row(draft.contract_id)
    assert row.status == "draft"
    assert row.signed_storage_name is None
    assert row.signed_pdf_sha256 is None
    assert application_status(application) == "offer_accepted"
    assert audit_actions(draft.contract_id) == ["contract.generate"]


def test_wrong_passwords_lock_signing(borrower, application: str) -> None:
    draft = _accept(borrower, application)
    for _ in range(4):
        with pytest.raises(InvalidCredentialsError):
            _sign(borrower, draft.contract_id, secret="not my password 1")

    with pytest.raises(AccountLockedError):
        _sign(borrower, draft.contract_id, secret="not my password 1")
    # Even the right password waits for the lock to lift.
    with pytest.raises(AccountLockedError):
        _sign(borrower, draft.contract_id)
    assert contract_row(draft.contract_id).status == "draft"


def test_sign_with_sms_code(borrower, application: str) -> None:
    draft = _accept(borrower, application)
    contracts.request_signing_code(borrower, locale="zh-CN", client_ip="10.0.0.8")
    code = latest_code("13800138000")

    with pytest.raises(CodeRejectedError):
        _sign(borrower, draft.contract_id, secret="000000" if code != "000000" else "111111", method="sms")
    signed = _sign(borrower, draft.contract_id, secret=code, method="sms")

    assert signed.status == "signed"
    assert signed.signature_method == "sms"
    assert "短信验证码" in extract_text(contracts.read_contract_pdf(borrower, draft.contract_id)[1])


def test_sign_rejects_unknown_method(borrower, application: str) -> None:
    draft = _accept(borrower, application)

    with pytest.raises(InvalidInputError):
        _sign(borrower, draft.contract_id, method="fingerprint")
    with pytest.raises(InvalidInputError):
        _sign(borrower, draft.contract_id, secret="")


def test_other_borrower_cannot_sign_or_download(borrower, application: str) -> None:
    draft = _accept(borrower, application)
    other = borrower_principal("13800138001")

    with pytest.raises(NotFoundError):
        _sign(other, draft.contract_id)
    with pytest.raises(NotFoundError):
        contracts.read_contract_pdf(other, draft.contract_id)
    with pytest.raises(NotFoundError):
        contracts.list_contracts(other, application)
    with pytest.raises(NotFoundError):
        contracts.accept_offer(other, application)
    assert contract_row(draft.contract_id).status == "draft"


def test_staff_download_is_audited(borrower, application: str) -> None:
    draft = _accept(borrower, application)
    reviewer = staff_principal("reviewer", "13900139001")
    finance = staff_principal("finance", "13900139002")
    collector = staff_principal("collector", "13900139003")

    assert contracts.read_contract_pdf(reviewer, draft.contract_id)[1].startswith(b"%PDF-")
    assert contracts.read_contract_pdf(finance, draft.contract_id)[1].startswith(b"%PDF-")
    with pytest.raises(NotFoundError):
        contracts.read_contract_pdf(collector, draft.contract_id)
    assert [view.version for view in contracts.list_contracts(reviewer, application)] == [1]
    assert audit_actions(draft.contract_id) == ["contract.generate", "contract.read", "contract.read"]


def test_new_version_supersedes_draft(borrower, application: str) -> None:
    first = _accept(borrower, application)

    same = _accept(borrower, application)
    second = _accept(borrower, application, locale="en")

    assert same.replayed
    assert same.contract_id == first.contract_id
    assert second.version == 2
    assert contract_row(first.contract_id).status == "superseded"
    with pytest.raises(ApplicationStateError):
        _sign(borrower, first.contract_id)
    assert _sign(borrower, second.contract_id).status == "signed"
    assert [view.status for view in contracts.list_contracts(borrower, application)] == ["signed", "superseded"]


def test_signed_contract_not_regenerated(borrower, application: str) -> None:
    draft = _accept(borrower, application)
    _sign(borrower, draft.contract_id)

    with pytest.raises(SignedContractError):
        _accept(borrower, application)
    assert [view.version for view in contracts.list_contracts(borrower, application)] == [1]


def test_signed_contract_cannot_change(borrower, application: str) -> None:
    draft = _accept(borrower, application)
    _sign(borrower, draft.contract_id)

    with pytest.raises(SignedContractError):
        with session_scope() as session:
            session.get(LoanContract, draft.contract_id).signed_pdf_sha256 = "0" * 64
    with pytest.raises(SignedContractError):
        with session_scope() as session:
            session.delete(session.get(LoanContract, draft.contract_id))
    assert contract_row(draft.contract_id).signed_pdf_sha256 != "0" * 64


def test_accept_needs_offer(borrower, product: str) -> None:
    number = approved_application(borrower.user_id, 2, status="in_review")

    with pytest.raises(ApplicationStateError):
        _accept(borrower, number)
    assert application_status(number) == "in_review"


def test_auto_approved_offer_accepted(borrower, product: str) -> None:
    number = approved_application(borrower.user_id, 3, status="auto_approved")

    view = _accept(borrower, number)

    assert view.status == "draft"
    assert application_status(number) == "offer_accepted"


def test_damaged_file_detected(borrower, application: str) -> None:
    draft = _accept(borrower, application)
    row = contract_row(draft.contract_id)
    with session_scope() as session:
        session.get(LoanContract, draft.contract_id).pdf_sha256 = "f" * 64

    with pytest.raises(contracts.ContractIntegrityError):
        contracts.read_contract_pdf(borrower, draft.contract_id)
    with pytest.raises(contracts.ContractIntegrityError):
        _sign(borrower, draft.contract_id)
    assert row.status == "draft"
