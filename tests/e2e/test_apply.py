"""The loan application wizard in a real browser at 390x844, in Chinese, from sign-in to the status page."""

from __future__ import annotations

import itertools
import re
import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lendapp.i18n import translate
from tests.e2e.conftest import PHONE, has_horizontal_scroll, new_context, screenshot, wait_until_ready
from tests.e2e.test_accounts import _fill_registration, _register, outbox_code  # noqa: F401  (outbox_code is a fixture)
from tests.support.app_server import AppServer

pytestmark = pytest.mark.e2e

_phone_numbers = itertools.count(13700137001)
TIMEOUT = 20_000
CALCULATOR_QUERY = "product=consumer-flex&amount=20000&months=12&method=equal_installment&rate=18"


def _png(path: Path) -> Path:
    """Write a valid 1x1 PNG, the smallest image the document step accepts."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")
    path.write_bytes(body)
    return path


def _zh(key: str) -> str:
    return translate(key, "zh-CN")


def test_apply_requires_sign_in(phone_page: Page, app_server: AppServer) -> None:
    phone_page.goto(app_server.base_url + "/apply")

    phone_page.wait_for_url(re.compile(r".*/login\?next=%2Fapply"), timeout=TIMEOUT)


def test_calculator_terms_survive_registration(browser, app_server: AppServer, outbox_code) -> None:  # noqa: F811
    # A visitor without an account follows the calculator's link, is sent to sign in, and registers instead.
    context = new_context(browser, PHONE)
    page = context.new_page()
    page.goto(f"{app_server.base_url}/apply?{CALCULATOR_QUERY}")
    page.wait_for_url(re.compile(r".*/login\?next=%2Fapply(%2F)?%3Fproduct%3Dconsumer-flex"), timeout=TIMEOUT)
    wait_until_ready(page)

    page.get_by_role("link", name=_zh("login.register_link")).click()
    page.wait_for_url(re.compile(r".*/register\?next=%2Fapply(%2F)?%3Fproduct%3Dconsumer-flex"), timeout=TIMEOUT)
    wait_until_ready(page)
    _fill_registration(page, outbox_code, str(next(_phone_numbers)))

    page.wait_for_url(re.compile(r".*/apply/?\?product=consumer-flex&amount=20000"), timeout=TIMEOUT)
    expect(page.locator("#amount")).to_have_value("20000", timeout=TIMEOUT)
    context.close()


def test_apply_wizard_to_status(browser, app_server: AppServer, outbox_code, tmp_path: Path) -> None:  # noqa: F811
    context = new_context(browser, PHONE)
    page = context.new_page()
    _register(page, app_server, outbox_code, str(next(_phone_numbers)))

    page.goto(f"{app_server.base_url}/apply?{CALCULATOR_QUERY}")
    page.wait_for_load_state("networkidle")

    # Step 1 arrives prefilled from the calculator and quoted.
    expect(page.locator("#quote-apr")).to_contain_text("%", timeout=TIMEOUT)
    expect(page.locator("#amount")).to_have_value("20000")
    assert not has_horizontal_scroll(page)
    screenshot(page, "apply-1-loan-zh-phone")
    page.locator("#next-1").click()

    # Step 2: a wrong check character is refused next to the field, then a valid number is confirmed.
    page.locator("#full_name").fill("张三")
    page.locator("#id_number").fill("11010119900307103X")
    page.locator("#save-identity").click()
    expect(page.locator("#id_number-error")).to_have_text(_zh("apply.error.id_number.check_character"), timeout=TIMEOUT)
    page.locator("#full_name").fill("张三")
    page.locator("#id_number").fill("110101199003071030")
    page.locator("#save-identity").click()
    expect(page.locator("#birth-date")).to_contain_text("1990", timeout=TIMEOUT)
    expect(page.locator("#masked-id")).to_have_text("110***********1030")
    expect(page.locator("#region")).to_contain_text("东城区")
    assert "110101199003071030" not in page.content()
    screenshot(page, "apply-2-identity-zh-phone")
    page.locator("#next-2").click()

    # Step 3: contact, address, work and household.
    page.locator("#contact_phone").fill("13800138000")
    page.locator("#address").fill("北京市东城区东华门街道 1 号")
    page.locator("#employment_type").select_option("employed")
    page.locator("#monthly_income").fill("12000")
    page.locator("#employment_months").fill("36")
    page.locator("#housing").select_option("rent")
    page.locator("#residence_years").fill("3")
    page.locator("#dependants").fill("1")
    screenshot(page, "apply-3-details-zh-phone")
    page.locator("#save-details").click()

    # Step 4: the card's bank comes from the BIN table; only the last four digits come back.
    expect(page.locator("#bank_card")).to_be_visible(timeout=TIMEOUT)
    page.locator("#bank_card").fill("6228 4800 1234 5678 903")
    page.locator("#save-card").click()
    expect(page.locator("#bank-name")).to_have_text("农业银行", timeout=TIMEOUT)
    expect(page.locator("#masked-card")).to_have_text("**** 8903")
    screenshot(page, "apply-4-card-zh-phone")
    page.locator("#next-4").click()

    # Step 5: one salary statement.
    page.locator("#documents input[type=file]").set_input_files(str(_png(tmp_path / "工资流水.png")))
    page.locator("#upload-documents").click()
    expect(page.locator("main")).to_contain_text("工资流水.png", timeout=TIMEOUT)
    screenshot(page, "apply-5-documents-zh-phone")
    page.locator("#next-5").click()

    # Step 6: the consents start unticked; submitting without the required ones is refused.
    expect(page.locator("#consent-sensitive_personal_information")).to_have_attribute("aria-checked", "false", timeout=TIMEOUT)
    page.locator("#save-consents").click()
    expect(page.locator("#consents-error")).to_have_text(_zh("apply.error.consent.required_missing"), timeout=TIMEOUT)
    for purpose in ("sensitive_personal_information", "credit_bureau", "automated_decision"):
        page.locator(f"#consent-{purpose}").click()
    screenshot(page, "apply-6-consents-zh-phone")
    page.locator("#save-consents").click()

    # Step 7: review and submit, then follow the decision on the status page.
    expect(page.locator("#submit-application")).to_be_visible(timeout=TIMEOUT)
    assert not has_horizontal_scroll(page)
    screenshot(page, "apply-7-review-zh-phone")
    page.locator("#submit-application").click()
    page.wait_for_url(re.compile(r".*/applications/LA-\d{8}-\d{6}$"), timeout=TIMEOUT)
    expect(page.locator("#application-status")).to_have_attribute(
        "data-status", re.compile("auto_approved|in_review|auto_declined"), timeout=30_000
    )
    expect(page.locator("main")).to_contain_text(_zh("apply.status_name.submitted"))
    screenshot(page, "apply-status-zh-phone")
    context.close()
