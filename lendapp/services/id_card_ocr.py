"""Proposing identity fields from a photo of the front of a resident ID card.

The photo is checked by its first bytes and size with the limits of uploaded
documents, decoded by Pillow with a pixel limit, recognized by an
:class:`~lendapp.integrations.ocr.IdCardReader` in a worker thread under a time
limit, and the text lines are parsed into proposed fields. Nothing is stored:
the borrower confirms or corrects the proposals in the form, and the usual
save checks them again. An ID number whose check fails is returned with the
failure and must not be filled in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import re
import unicodedata
import warnings
from collections.abc import Callable, Sequence

from PIL import Image, ImageOps, UnidentifiedImageError

from lendapp.domain.kyc import IdentityCheck, normalize_id_number
from lendapp.integrations.ocr import IdCardReader, TextLine, default_reader
from lendapp.services.auth_errors import InvalidInputError
from lendapp.services.documents import MAX_FILE_BYTES, sniff_content_type
from lendapp.services.kyc import check_identity

logger = logging.getLogger(__name__)

FIELD = "id_card_photo"
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PILLOW_FORMATS = ("JPEG", "PNG", "WEBP")
# A 50-megapixel phone photo passes. Larger images are rejected before their pixels are decoded.
MAX_IMAGE_PIXELS = 60_000_000
# Photos are scaled down to this longest side to bound recognition time and memory.
# A card that fills the photo stays wider than the 640 px synthetic test cards.
MAX_SIDE = 1600
READ_TIMEOUT_SECONDS = 30.0

_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_BIRTH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
# Noise that recognition puts between a label and its value (colons, dashes, a stray 一).
_LEADING_NOISE = ":：-—一·. "


@dataclasses.dataclass(frozen=True)
class ProposedField:
    """A value read from the card with the recognizer's confidence (0 to 1) of the lines it came from."""

    value: str
    confidence: float


@dataclasses.dataclass(frozen=True)
class ProposedIdNumber:
    """An ID number read from the card and the result of the resident ID check.

    Attributes:
        value: The normalized 18-character number.
        confidence: The recognizer's confidence of the line it came from.
        valid: Whether the number passed the resident ID check.
        error_key: Catalog key of the failed check, such as a wrong check character; empty when ``valid``.
    """

    value: str
    confidence: float
    valid: bool
    error_key: str = ""


@dataclasses.dataclass(frozen=True)
class IdCardProposal:
    """The fields read from an ID card front; a field that was not found is None."""

    name: ProposedField | None = None
    sex: ProposedField | None = None
    ethnicity: ProposedField | None = None
    birth_date: ProposedField | None = None
    address: ProposedField | None = None
    id_number: ProposedIdNumber | None = None

    @property
    def empty(self) -> bool:
        """Whether no field was found."""
        return all(getattr(self, field.name) is None for field in dataclasses.fields(self))


def _normalize(text: str) -> str:
    """Apply NFKC (full-width digits, letters and colons become ASCII) and drop whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _after_label(text: str, label: str) -> str | None:
    """Return the text after ``label`` with leading noise removed, or None when the line has no such label."""
    position = text.find(label)
    if position < 0:
        return None
    return text[position + len(label):].lstrip(_LEADING_NOISE)


def _starts_other_label(text: str) -> bool:
    return any(text.startswith(label) for label in _LABELS) or _ID_NUMBER.search(text) is not None


def _labelled(lines: list[tuple[str, float]], label: str) -> tuple[int, str, float] | None:
    """Find the row of ``label`` and its value. A label on a row of its own takes its value from the next row."""
    for index, (text, confidence) in enumerate(lines):
        value = _after_label(text, label)
        if value is None:
            continue
        if value:
            return index, value, confidence
        if index + 1 < len(lines) and not _starts_other_label(lines[index + 1][0]):
            return index + 1, lines[index + 1][0].lstrip(_LEADING_NOISE), min(confidence, lines[index + 1][1])
        return None
    return None


def _name(lines: list[tuple[str, float]]) -> ProposedField | None:
    found = _labelled(lines, "姓名")
    if found is None:
        return None
    _, value, confidence = found
    # Only the name: a merged "性别" or other label that follows it on the same line is cut off.
    for label in _LABELS:
        value = value.split(label, 1)[0]
    return ProposedField(value, confidence) if value else None


def _sex_and_ethnicity(lines: list[tuple[str, float]]) -> tuple[ProposedField | None, ProposedField | None]:
    sex = ethnicity = None
    for text, confidence in lines:
        after_sex = _after_label(text, "性别")
        if sex is None and after_sex and after_sex[0] in "男女":
            sex = ProposedField(after_sex[0], confidence)
        after_ethnicity = _after_label(text, "民族")
        if ethnicity is None and after_ethnicity:
            ethnicity = ProposedField(after_ethnicity.split("出生", 1)[0], confidence)
    return sex, ethnicity


def _birth_date(lines: list[tuple[str, float]]) -> ProposedField | None:
    for text, confidence in lines:
        after = _after_label(text, "出生")
        match = _BIRTH.search(after) if after else None
        if match:
            year, month, day = (int(part) for part in match.groups())
            return ProposedField(f"{year:04d}-{month:02d}-{day:02d}", confidence)
    return None


def _address(lines: list[tuple[str, float]]) -> ProposedField | None:
    """Join the address line and the lines under it, up to the ID number or the next label."""
    found = _labelled(lines, "住址")
    if found is None:
        return None
    index, value, confidence = found
    parts = [value]
    for text, line_confidence in lines[index + 1:]:
        if _starts_other_label(text):
            break
        parts.append(text)
        confidence = min(confidence, line_confidence)
    return ProposedField("".join(parts), confidence)


def _id_number(lines: list[tuple[str, float]], check: Callable[[str], IdentityCheck]) -> ProposedIdNumber | None:
    """Take the number after 公民身份号码, or else the first 18-character run of digits anywhere."""
    candidates = [(text, confidence) for text, confidence in lines if "号码" in text]
    candidates += [(text, confidence) for text, confidence in lines if "号码" not in text]
    for text, confidence in candidates:
        match = _ID_NUMBER.search(text)
        if match is None:
            continue
        number = normalize_id_number(match.group())
        result = check(number)
        if result.ok:
            return ProposedIdNumber(result.number, confidence, valid=True)
        return ProposedIdNumber(number, confidence, valid=False, error_key=result.error_key)
    return None


def _left_edge(line: TextLine) -> tuple[float, float, float]:
    """Return the x, the y of the middle and the height of a line's left edge."""
    (left_x, top_y), (bottom_x, bottom_y) = line.box[0], line.box[-1]
    return (left_x + bottom_x) / 2, (top_y + bottom_y) / 2, abs(bottom_y - top_y)


def join_rows(lines: Sequence[TextLine]) -> list[tuple[str, float]]:
    """Join the lines of each printed row, left to right, into one normalized text with the lowest confidence.

    Recognition often splits a label from its value ("民族" and "回"). Rows are
    found from the middle of each line's left edge, which stays level with its
    neighbours on a slightly tilted photo while the top of a long box does not.
    """
    rows: list[list[tuple[float, float, float, TextLine]]] = []
    for line in sorted(lines, key=lambda item: _left_edge(item)[1]):
        x, y, height = _left_edge(line)
        # A line joins the current row when its middle lies within half a line height of the row's first line.
        if rows and abs(y - rows[-1][0][1]) <= max(height, rows[-1][0][2]) / 2:
            rows[-1].append((x, y, height, line))
        else:
            rows.append([(x, y, height, line)])
    joined = []
    for row in rows:
        ordered = [line for _, _, _, line in sorted(row, key=lambda item: item[0])]
        text = _normalize("".join(line.text for line in ordered))
        if text:
            joined.append((text, min(line.confidence for line in ordered)))
    return joined


def parse_id_card_lines(lines: Sequence[TextLine], check: Callable[[str], IdentityCheck] = check_identity) -> IdCardProposal:
    """Parse recognized lines of an ID card front into proposed fields.

    Args:
        lines: The recognized lines in any order, with their boxes.
        check: The resident ID check; the default uses the region table and today's date.
    """
    rows = join_rows(lines)
    sex, ethnicity = _sex_and_ethnicity(rows)
    return IdCardProposal(
        name=_name(rows),
        sex=sex,
        ethnicity=ethnicity,
        birth_date=_birth_date(rows),
        address=_address(rows),
        id_number=_id_number(rows, check),
    )


def decode_photo(data: bytes) -> Image.Image:
    """Check an uploaded photo and decode it to an RGB image no larger than ``MAX_SIDE`` on its longest side.

    The EXIF orientation of a phone photo is applied.

    Raises:
        InvalidInputError: The file is empty, larger than the document limit,
            not a JPEG, PNG or WebP image, has too many pixels or cannot be decoded.
    """
    if not data:
        raise InvalidInputError("apply.ocr.error.empty", field=FIELD)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInputError("apply.ocr.error.too_large", field=FIELD, max_mb=MAX_FILE_BYTES // (1024 * 1024))
    if sniff_content_type(data) not in IMAGE_TYPES:
        raise InvalidInputError("apply.ocr.error.type", field=FIELD)
    too_many_pixels = InvalidInputError("apply.ocr.error.too_many_pixels", field=FIELD, max_megapixels=MAX_IMAGE_PIXELS // 1_000_000)
    try:
        with warnings.catch_warnings():
            # Pillow warns between its own limit and twice that, and raises above; the pixel check below decides first.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise too_many_pixels
        # A JPEG decodes at a reduced scale when that still covers MAX_SIDE, which saves most of the work.
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image = ImageOps.exif_transpose(image).convert("RGB")
    except Image.DecompressionBombError as error:
        raise too_many_pixels from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        logger.info("Rejected an ID card photo that could not be decoded: %s", type(error).__name__)
        raise InvalidInputError("apply.ocr.error.unreadable", field=FIELD) from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def read_id_card(data: bytes, reader: IdCardReader | None = None) -> IdCardProposal:
    """Decode a photo, recognize its text and parse the fields; blocking, so call it from a worker thread.

    Raises:
        InvalidInputError: The photo is rejected (see :func:`decode_photo`).
    """
    image = decode_photo(data)
    lines = (reader or default_reader()).read_lines(image)
    proposal = parse_id_card_lines(lines)
    found = [field.name for field in dataclasses.fields(proposal) if getattr(proposal, field.name) is not None]
    if proposal.id_number is None:
        id_state = "none"
    elif proposal.id_number.valid:
        id_state = "valid"
    else:
        id_state = proposal.id_number.error_key
    logger.info("Read an ID card photo of %dx%d: %d lines, fields %s, ID number %s", image.width, image.height, len(lines), found, id_state)
    return proposal


async def propose_from_photo(data: bytes, reader: IdCardReader | None = None, timeout: float = READ_TIMEOUT_SECONDS) -> IdCardProposal:
    """Run :func:`read_id_card` in a worker thread, waiting at most ``timeout`` seconds.

    Raises:
        InvalidInputError: The photo is rejected, or reading it timed out.
    """
    try:
        return await asyncio.wait_for(asyncio.to_thread(read_id_card, data, reader), timeout)
    except TimeoutError as error:
        # NOTE: the worker thread cannot be cancelled and finishes its run in the background.
        logger.warning("Reading an ID card photo timed out after %.0f s", timeout)
        raise InvalidInputError("apply.ocr.error.timeout", field=FIELD) from error
