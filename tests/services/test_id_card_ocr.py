"""ID card OCR on the committed synthetic cards with the real RapidOCR models, and the photo checks."""

from __future__ import annotations

import asyncio
import io
import json
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from lendapp.integrations.ocr import IdCardReader, RapidOcrReader, TextLine
from lendapp.services.auth_errors import InvalidInputError
from lendapp.services.documents import MAX_FILE_BYTES
from lendapp.services.id_card_ocr import MAX_SIDE, IdCardProposal, decode_photo, propose_from_photo, read_id_card

CARDS_DIR = Path(__file__).resolve().parents[1] / "data" / "id_cards"
FIELDS = ("name", "sex", "ethnicity", "birth_date", "address")
# Measured with bench/ocr.py on these 12 cards: every field 12 of 12. The floor leaves room for one miss
# per field, because onnxruntime results can differ slightly between CPUs.
MIN_FIELD_ACCURACY = 11 / 12


@pytest.fixture(scope="module")
def reader() -> RapidOcrReader:
    """One RapidOCR reader for the module, because loading the models is slow."""
    return RapidOcrReader()


@pytest.fixture(scope="module")
def readings(reader: RapidOcrReader) -> list[tuple[dict, IdCardProposal]]:
    """Every committed card with its proposal, read once."""
    labels = json.loads((CARDS_DIR / "labels.json").read_text(encoding="utf-8"))["cards"]
    return [(label, read_id_card((CARDS_DIR / label["file"]).read_bytes(), reader)) for label in labels]


def _png_header_only(width: int, height: int) -> bytes:
    """Return a PNG whose header claims ``width`` x ``height`` pixels but whose data is a few bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


def _jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 200, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_committed_cards_present() -> None:
    files = sorted(CARDS_DIR.glob("*.png"))

    assert len(files) >= 12
    assert all(path.stat().st_size < 60_000 for path in files)


@pytest.mark.parametrize("field", FIELDS)
def test_ocr_field_accuracy(readings: list[tuple[dict, IdCardProposal]], field: str) -> None:
    misses = [
        (label["file"], getattr(proposal, field))
        for label, proposal in readings
        if getattr(proposal, field) is None or getattr(proposal, field).value != label[field]
    ]

    accuracy = 1 - len(misses) / len(readings)

    assert accuracy >= MIN_FIELD_ACCURACY, misses


def test_ocr_valid_id_numbers_read(readings: list[tuple[dict, IdCardProposal]]) -> None:
    valid = [(label, proposal) for label, proposal in readings if label["check_valid"]]
    wrong = [(label["file"], proposal.id_number) for label, proposal in valid
             if proposal.id_number is None or not proposal.id_number.valid or proposal.id_number.value != label["id_number"]]

    assert len(valid) >= 10
    assert wrong == []


def test_ocr_wrong_check_character_flagged(readings: list[tuple[dict, IdCardProposal]]) -> None:
    flagged = [(label, proposal) for label, proposal in readings if not label["check_valid"]]

    assert len(flagged) >= 2
    for label, proposal in flagged:
        assert proposal.id_number is not None, label["file"]
        assert not proposal.id_number.valid, label["file"]
        assert proposal.id_number.error_key == "apply.error.id_number.check_character", label["file"]


def test_ocr_blank_image_finds_nothing(reader: RapidOcrReader) -> None:
    proposal = read_id_card(_jpeg(640, 400), reader)

    assert proposal.empty


def test_propose_from_photo_runs_in_thread(reader: RapidOcrReader) -> None:
    data = (CARDS_DIR / "card_01.png").read_bytes()

    proposal = asyncio.run(propose_from_photo(data, reader))

    assert proposal.name is not None and proposal.name.value == "张伟明"


def test_propose_from_photo_times_out() -> None:
    class SlowReader:
        def read_lines(self, image: Image.Image) -> list[TextLine]:
            time.sleep(1.0)
            return []

    slow: IdCardReader = SlowReader()
    data = (CARDS_DIR / "card_01.png").read_bytes()

    with pytest.raises(InvalidInputError) as raised:
        asyncio.run(propose_from_photo(data, slow, timeout=0.1))

    assert raised.value.key == "apply.ocr.error.timeout"
    assert raised.value.field == "id_card_photo"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "apply.ocr.error.empty"),
        (b"%PDF-1.7\n" + b"0" * 100, "apply.ocr.error.type"),
        (b"GIF89a" + b"0" * 100, "apply.ocr.error.type"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "apply.ocr.error.unreadable"),
        (b"\xff\xd8\xff" + b"\x00" * 40, "apply.ocr.error.unreadable"),
    ],
    ids=["empty", "pdf", "gif", "truncated-png", "truncated-jpeg"],
)
def test_decode_photo_rejects(data: bytes, key: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        decode_photo(data)

    assert raised.value.key == key


def test_decode_photo_rejects_oversize_file() -> None:
    with pytest.raises(InvalidInputError) as raised:
        decode_photo(b"\xff\xd8\xff" + b"\x00" * MAX_FILE_BYTES)

    assert raised.value.key == "apply.ocr.error.too_large"


def test_decode_photo_rejects_decompression_bomb() -> None:
    with pytest.raises(InvalidInputError) as raised:
        decode_photo(_png_header_only(9_000, 9_000))

    assert raised.value.key == "apply.ocr.error.too_many_pixels"


def test_decode_photo_rejects_huge_bomb() -> None:
    # Above twice Pillow's own limit Image.open raises DecompressionBombError itself.
    with pytest.raises(InvalidInputError) as raised:
        decode_photo(_png_header_only(60_000, 60_000))

    assert raised.value.key == "apply.ocr.error.too_many_pixels"


def test_decode_photo_scales_down_large_photo() -> None:
    image = decode_photo(_jpeg(4000, 3000))

    assert max(image.size) == MAX_SIDE
    assert image.mode == "RGB"


def test_decode_photo_applies_exif_orientation() -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display.
    Image.new("RGB", (400, 200), (255, 255, 255)).save(buffer, format="JPEG", exif=exif)

    image = decode_photo(buffer.getvalue())

    assert image.size == (200, 400)
