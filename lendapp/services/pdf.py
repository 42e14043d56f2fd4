"""A small PDF builder on fpdf2 for contracts and receipts, with an embedded CJK font.

Font: Noto Sans CJK SC Regular (version 2.004), licensed under the SIL Open
Font License 1.1. It comes from the PyPI package ``noto-cjk-sans-otc``, pinned
in requirements.txt, which ships ``NotoSansCJK-Regular.ttc`` unchanged (the
same SHA-256 as Debian's ``fonts-noto-cjk`` file) with the licence in its
wheel metadata. The collection's face number 2 is Simplified Chinese. Its
outlines are CFF, which fpdf2 2.8 embeds as a subset CIDFontType0C font
(``/FontFile3``) with a ToUnicode map, so text can be searched and copied.
Only the glyphs a document uses are embedded: a one-page contract is
tens of kilobytes. When the package is missing, Debian's copy at
``DEBIAN_FONT_PATH`` is used.

Usage::

    builder = PdfBuilder("zh-CN", title="借款合同")
    builder.title("借款合同")
    builder.heading("一、借款金额")
    builder.paragraph("……")
    builder.key_values([("借款金额", "¥10,000.00")])
    builder.table(["期数", "应还金额"], [["1", "¥888.49"]])
    data = builder.to_bytes()

The same document can be described as a list of JSON-serializable blocks and
rendered with ``render_pdf(blocks, locale)``, which is how a document is
stored and rendered again byte for byte from the same blocks.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

logger = logging.getLogger(__name__)

FONT_FAMILY = "NotoSansCJKSC"
FONT_FILE = "NotoSansCJK-Regular.ttc"
# Face order of Noto's collection: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK.
SIMPLIFIED_CHINESE_FACE = 2
DEBIAN_FONT_PATH = Path("/usr/share/fonts/opentype/noto") / FONT_FILE

TITLE_SIZE = 18
HEADING_SIZE = 13
BODY_SIZE = 10.5
SMALL_SIZE = 8.5
LINE_HEIGHT = 6.0
HEADING_COLOR = (22, 90, 72)
RULE_COLOR = (200, 206, 204)
HEADER_FILL = (232, 240, 237)

BLOCK_KINDS = ("title", "heading", "paragraph", "note", "key_values", "table", "page_break")


class FontUnavailableError(RuntimeError):
    """Neither the pinned font package nor Debian's fonts-noto-cjk file is installed."""


def font_path() -> Path:
    """Return the path of the CJK font collection.

    Raises:
        FontUnavailableError: When the font is installed nowhere; ``pip install -r requirements.txt`` installs it.
    """
    try:
        import noto_cjk_sans_otc
    except ImportError:
        noto_cjk_sans_otc = None
    if noto_cjk_sans_otc is not None:
        path = Path(str(noto_cjk_sans_otc.FONT_PATH))
        if path.is_file():
            return path
    if DEBIAN_FONT_PATH.is_file():
        return DEBIAN_FONT_PATH
    raise FontUnavailableError(
        f"the CJK font {FONT_FILE} was not found: install requirements.txt (noto-cjk-sans-otc) or Debian's fonts-noto-cjk"
    )


class _Document(FPDF):
    """fpdf2's document with a footer line carrying the page number."""

    footer_text = ""

    def footer(self) -> None:
        if not self.footer_text:
            return
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=SMALL_SIZE)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, self.footer_text.format(page=self.page_no(), pages="{nb}"), align="C")
        self.set_text_color(0, 0, 0)


class PdfBuilder:
    """An A4 document in one locale, written top to bottom.

    Args:
        locale: ``zh-CN`` or ``en``; Chinese text wraps between any two
            characters, English text between words.
        title: The document title in the PDF metadata.
        author: The author in the PDF metadata, for example the lender's name.
        footer: Footer text on every page, with optional ``{page}`` and
            ``{pages}`` placeholders.
        created_at: The creation date in the metadata; defaults to now. A fixed
            value makes two renderings of the same blocks byte-identical.
    """

    def __init__(self, locale: str, *, title: str = "", author: str = "", footer: str = "", created_at: dt.datetime | None = None) -> None:
        self.locale = locale
        self._wrap = WrapMode.WORD if locale == "en" else WrapMode.CHAR
        self._pdf = _Document(format="A4")
        self._pdf.footer_text = footer
        self._pdf.set_margins(18, 16, 18)
        self._pdf.set_auto_page_break(auto=True, margin=18)
        self._pdf.add_font(FONT_FAMILY, fname=str(font_path()), collection_font_number=SIMPLIFIED_CHINESE_FACE)
        self._pdf.set_lang(locale)
        self._pdf.set_title(title)
        self._pdf.set_author(author)
        self._pdf.set_creator("lendapp")
        self._pdf.set_creation_date(created_at or dt.datetime.now(dt.UTC))
        self._pdf.add_page()
        self._pdf.set_font(FONT_FAMILY, size=BODY_SIZE)

    @property
    def _width(self) -> float:
        return self._pdf.epw

    def title(self, text: str) -> None:
        """Write the centred document title."""
        self._pdf.set_font(FONT_FAMILY, size=TITLE_SIZE)
        self._pdf.multi_cell(self._width, 10, text, align="C", wrapmode=self._wrap, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._pdf.ln(3)
        self._pdf.set_font(FONT_FAMILY, size=BODY_SIZE)

    def heading(self, text: str) -> None:
        """Write a section heading with a rule under it."""
        self._pdf.ln(2)
        self._pdf.set_font(FONT_FAMILY, size=HEADING_SIZE)
        self._pdf.set_text_color(*HEADING_COLOR)
        self._pdf.multi_cell(self._width, 8, text, align="L", wrapmode=self._wrap, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._pdf.set_text_color(0, 0, 0)
        self._pdf.set_draw_color(*RULE_COLOR)
        self._pdf.line(self._pdf.l_margin, self._pdf.get_y(), self._pdf.l_margin + self._width, self._pdf.get_y())
        self._pdf.ln(2)
        self._pdf.set_font(FONT_FAMILY, size=BODY_SIZE)

    def paragraph(self, text: str) -> None:
        """Write a paragraph; line breaks in ``text`` start new lines."""
        self._pdf.multi_cell(self._width, LINE_HEIGHT, text, align="L", wrapmode=self._wrap, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._pdf.ln(1.5)

    def note(self, text: str) -> None:
        """Write a paragraph in small grey type, for remarks under a table."""
        self._pdf.set_font(FONT_FAMILY, size=SMALL_SIZE)
        self._pdf.set_text_color(90, 90, 90)
        self._pdf.multi_cell(self._width, 4.6, text, align="L", wrapmode=self._wrap, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._pdf.set_text_color(0, 0, 0)
        self._pdf.set_font(FONT_FAMILY, size=BODY_SIZE)
        self._pdf.ln(1.5)

    def key_values(self, rows: Sequence[tuple[str, str]]) -> None:
        """Write a two-column table of labels and values, without a header row."""
        with self._pdf.table(
            col_widths=(38, 62), first_row_as_headings=False, text_align=("LEFT", "LEFT"), wrapmode=self._wrap,
            line_height=LINE_HEIGHT, padding=(1, 2), borders_layout="HORIZONTAL_LINES", width=self._width,
        ) as table:
            for label, value in rows:
                table.row((str(label), str(value)))
        self._pdf.ln(3)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *, col_widths: Sequence[float] | None = None,
              numeric_columns: Sequence[int] = ()) -> None:
        """Write a table with a header row that repeats on every page; ``numeric_columns`` align right."""
        align = tuple("RIGHT" if index in numeric_columns else "LEFT" for index in range(len(header)))
        with self._pdf.table(
            col_widths=tuple(col_widths) if col_widths else None, text_align=align, wrapmode=self._wrap,
            line_height=LINE_HEIGHT - 0.5, padding=(0.8, 1.5), width=self._width, repeat_headings=1,
            headings_style=FontFace(emphasis="", fill_color=HEADER_FILL), borders_layout="SINGLE_TOP_LINE",
        ) as table:
            table.row(tuple(str(cell) for cell in header))
            for row in rows:
                table.row(tuple(str(cell) for cell in row))
        self._pdf.ln(3)

    def page_break(self) -> None:
        """Start a new page."""
        self._pdf.add_page()

    def add_block(self, block: dict) -> None:
        """Write one block as ``render_pdf`` describes it.

        Raises:
            ValueError: The block's kind is not one of ``BLOCK_KINDS``.
        """
        kind = block.get("kind")
        if kind in ("title", "heading", "paragraph", "note"):
            getattr(self, kind)(block["text"])
        elif kind == "key_values":
            self.key_values([(label, value) for label, value in block["rows"]])
        elif kind == "table":
            self.table(block["header"], block["rows"], col_widths=block.get("col_widths"), numeric_columns=block.get("numeric_columns", ()))
        elif kind == "page_break":
            self.page_break()
        else:
            raise ValueError(f"unknown PDF block kind {kind!r}; expected one of {BLOCK_KINDS}")

    def to_bytes(self) -> bytes:
        """Return the finished PDF."""
        return bytes(self._pdf.output())


def render_pdf(
    blocks: Sequence[dict],
    locale: str,
    *,
    title: str = "",
    author: str = "",
    footer: str = "",
    created_at: dt.datetime | None = None,
) -> bytes:
    """Render a list of blocks into a PDF.

    Each block is a dict with a ``kind``: ``title``, ``heading``, ``paragraph``
    and ``note`` carry ``text``; ``key_values`` carries ``rows`` of
    ``[label, value]``; ``table`` carries ``header``, ``rows`` and optionally
    ``col_widths`` (relative) and ``numeric_columns`` (indexes aligned right);
    ``page_break`` carries nothing. The keyword arguments are those of ``PdfBuilder``.

    Raises:
        ValueError: A block has an unknown kind.
        FontUnavailableError: The CJK font is not installed.
    """
    builder = PdfBuilder(locale, title=title, author=author, footer=footer, created_at=created_at)
    for block in blocks:
        builder.add_block(block)
    data = builder.to_bytes()
    logger.debug("Rendered a %d-block PDF of %d bytes", len(blocks), len(data))
    return data
