"""Text recognition on photos of ID cards, behind a small Protocol.

The implementation runs RapidOCR (rapidocr-onnxruntime 1.4.4) on the CPU
with the PP-OCRv4 detection and recognition models and the direction
classifier that ship inside the wheel. RapidOCR 1.4.4 reads them from its
package folder and has no download code, so nothing leaves the machine.
Loading the models takes a noticeable moment, so one reader is built per
process on first use and shared.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Protocol

from PIL import Image

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class TextLine:
    """One recognized line of text.

    Attributes:
        text: The recognized characters.
        confidence: The recognizer's score from 0 to 1.
        box: The corners of the line in pixels of the input image: top-left,
            top-right, bottom-right, bottom-left. A tilted photo gives a tilted box.
    """

    text: str
    confidence: float
    box: tuple[tuple[float, float], ...]


class IdCardReader(Protocol):
    """Recognizes the printed text lines of an ID card photo."""

    def read_lines(self, image: Image.Image) -> list[TextLine]:
        """Return the text lines recognized in ``image`` (RGB), in no guaranteed order."""
        ...


class RapidOcrReader:
    """An :class:`IdCardReader` on RapidOCR with the models bundled in its wheel."""

    def __init__(self) -> None:
        # Imported here because onnxruntime and OpenCV take a second to import and most processes never read a card.
        from rapidocr_onnxruntime import RapidOCR

        logger.info("Loading the RapidOCR models")
        self._engine = RapidOCR()
        # One inference at a time per process, because onnxruntime already spreads one run over the CPU cores.
        self._lock = threading.Lock()
        logger.info("RapidOCR models loaded")

    def read_lines(self, image: Image.Image) -> list[TextLine]:
        """Return the text lines recognized in ``image`` (RGB)."""
        with self._lock:
            result, _elapsed = self._engine(image)
        return [
            TextLine(text=str(text), confidence=float(score), box=tuple((float(x), float(y)) for x, y in box))
            for box, text, score in result or []
        ]


_reader: RapidOcrReader | None = None
_reader_lock = threading.Lock()


def default_reader() -> IdCardReader:
    """Return this process's RapidOCR reader, loading the models on the first call."""
    global _reader
    with _reader_lock:
        if _reader is None:
            _reader = RapidOcrReader()
        return _reader
