"""The PDF builder: an embedded CJK font subset, text that extracts again, and stable output."""

from __future__ import annotations

import datetime as dt

import pytest

from lendapp.services.pdf import PdfBuilder, render_pdf
from tests.services.contracts.pdf_text import embedded_fonts, extract_text

CREATED = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
BLOCKS = [
    {"kind": "title", "text": "借款合同"},
    {"kind": "heading", "text": "三、利率与费用"},
    {"kind": "paragraph", "text": "年化利率按内部收益率（IRR）计算，包含全部借款成本。"},
    {"kind": "key_values", "rows": [["借款金额", "¥20,000.00"], ["年化利率 APR", "12.68%"]]},
    {"kind": "table", "header": ["期数", "应还金额"], "rows": [[str(n), "¥1,776.98"] for n in range(1, 13)], "numeric_columns": [1]},
    {"kind": "note", "text": "还款日以实际放款日起算。"},
    {"kind": "page_break"},
    {"kind": "paragraph", "text": "第二页"},
]


def test_pdf_embeds_cjk_font_subset() -> None:
    data = render_pdf(BLOCKS, "zh-CN", created_at=CREATED)

    assert data.startswith(b"%PDF-")
    assert b"/FontFile3" in data
    fonts = embedded_fonts(data)
    assert len(fonts) == 1
    # A subset font's name carries a six-letter tag before the family name.
    tag, _, family = fonts[0].partition("+")
    assert len(tag) == 6
    assert family == "NotoSansCJKSC"
    # The whole collection is about 19 MB; a subset of a few dozen glyphs is small.
    assert len(data) < 100_000


def test_pdf_chinese_text_extracts() -> None:
    text = extract_text(render_pdf(BLOCKS, "zh-CN", created_at=CREATED))

    assert "借款合同" in text
    assert "三、利率与费用" in text
    assert "年化利率按内部收益率（IRR）计算，包含全部借款成本。" in text
    assert "¥20,000.00" in text
    assert "12.68%" in text
    assert "第二页" in text


def test_pdf_english_text_extracts() -> None:
    builder = PdfBuilder("en", title="Receipt", footer="Page {page} of {pages}", created_at=CREATED)
    builder.title("Payment receipt")
    builder.key_values([("Amount", "CN¥1,776.98")])
    text = extract_text(builder.to_bytes())

    assert "Payment receipt" in text
    assert "CN¥1,776.98" in text
    assert "Page 1 of 1" in text


def test_pdf_footer_counts_pages() -> None:
    text = extract_text(render_pdf(BLOCKS, "zh-CN", footer="第 {page} 页，共 {pages} 页", created_at=CREATED))

    assert "第 1 页，共 2 页" in text
    assert "第 2 页，共 2 页" in text


def test_pdf_same_blocks_same_bytes() -> None:
    first = render_pdf(BLOCKS, "zh-CN", title="借款合同", created_at=CREATED)
    second = render_pdf(BLOCKS, "zh-CN", title="借款合同", created_at=CREATED)

    assert first == second


def test_pdf_unknown_block_rejected() -> None:
    with pytest.raises(ValueError, match="unknown PDF block kind"):
        render_pdf([{"kind": "image"}], "zh-CN")
