"""Site content: seeding and reading FAQs, stories, partners and licence fields."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lendapp.services.content import ContentEntry, list_content, search_faq
from lendapp.services.seed import DEMO_CONTENT, seed_demo_data


def test_seed_creates_content_once(engine: sa.Engine) -> None:
    first = seed_demo_data(engine)
    second = seed_demo_data(engine)

    assert first.content_created == len(DEMO_CONTENT)
    assert second.content_created == 0


def test_list_content_groups_in_order(engine: sa.Engine) -> None:
    seed_demo_data(engine)

    grouped = list_content(engine=engine)

    assert set(grouped) == {"faq", "story", "partner", "licence"}
    assert [entry.key for entry in grouped["faq"]][:2] == ["faq.apr", "faq.fees"]
    assert all(entry.title_zh and entry.title_en for entries in grouped.values() for entry in entries)


def test_list_content_one_kind(engine: sa.Engine) -> None:
    seed_demo_data(engine)

    grouped = list_content(("licence",), engine=engine)

    assert list(grouped) == ["licence"]
    assert grouped["licence"][0].key == "licence.operator"


def test_list_content_rejects_unknown_kind(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="unknown content kinds"):
        list_content(("news",), engine=engine)


def _entry(title_zh: str, title_en: str, body_zh: str = "", body_en: str = "") -> ContentEntry:
    return ContentEntry("faq.x", "faq", title_zh, title_en, body_zh, body_en)


def test_search_faq_matches_either_language() -> None:
    entries = [_entry("可以提前还款吗？", "Can I repay early?"), _entry("逾期会怎样？", "What if I pay late?", "罚息", "penalty")]

    assert search_faq(entries, "提前") == [entries[0]]
    assert search_faq(entries, "PENALTY") == [entries[1]]
    assert search_faq(entries, "  ") == entries
    assert search_faq(entries, "mortgage") == []


def test_search_faq_folds_full_width_letters() -> None:
    entries = [_entry("年化利率（APR）怎么算？", "How is the APR calculated?"), _entry("逾期会怎样？", "What if I pay late?")]

    assert search_faq(entries, "ＡＰＲ") == [entries[0]]
    assert search_faq(entries, "ａｐｒ") == [entries[0]]


def test_search_faq_requires_every_word() -> None:
    entries = [
        _entry("利率和费用", "Rates and fees", "年化利率包含服务费用", "The APR includes the service fee"),
        _entry("利率怎么算？", "How is the rate set?"),
    ]

    assert search_faq(entries, "利率 费用") == [entries[0]]
    assert search_faq(entries, "rate fee") == [entries[0]]
    assert search_faq(entries, "利率") == entries


def test_search_faq_latin_words_match_at_word_start() -> None:
    entries = [_entry("年化利率怎么算？", "How is the APR calculated?"), _entry("逾期会怎样？", "What if I pay late?")]

    assert search_faq(entries, "late") == [entries[1]]
    assert search_faq(entries, "calc") == [entries[0]]
