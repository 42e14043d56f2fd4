"""Measure ID card OCR: field accuracy and time per image on the committed synthetic cards.

Run from the repository root:

    .venv/bin/python bench/ocr.py

A field counts as correct when the proposed value equals the label exactly.
For the ID number, a card printed with a wrong check character counts as
correct when the proposal is flagged invalid. The time per image covers
decoding, recognition and parsing, after one warm-up run that also loads the models.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lendapp.integrations.ocr import default_reader  # noqa: E402
from lendapp.services.id_card_ocr import IdCardProposal, read_id_card  # noqa: E402

CARDS_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "id_cards"
FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")


def load_labels() -> list[dict]:
    """Return the labels of the committed cards."""
    return json.loads((CARDS_DIR / "labels.json").read_text(encoding="utf-8"))["cards"]


def field_correct(proposal: IdCardProposal, label: dict, field: str) -> bool:
    """Return whether one proposed field matches the card's label."""
    proposed = getattr(proposal, field)
    if proposed is None:
        return False
    if field != "id_number":
        return proposed.value == label[field]
    if not label["check_valid"]:
        return not proposed.valid and proposed.error_key == "apply.error.id_number.check_character"
    return proposed.valid and proposed.value == label["id_number"]


def evaluate() -> tuple[dict[str, float], list[float], list[tuple[str, str, str]]]:
    """Read every card once; return accuracy per field, seconds per image and the misses."""
    reader = default_reader()
    labels = load_labels()
    read_id_card((CARDS_DIR / labels[0]["file"]).read_bytes(), reader)
    correct = dict.fromkeys(FIELDS, 0)
    seconds: list[float] = []
    misses: list[tuple[str, str, str]] = []
    for label in labels:
        data = (CARDS_DIR / label["file"]).read_bytes()
        started = time.perf_counter()
        proposal = read_id_card(data, reader)
        seconds.append(time.perf_counter() - started)
        for field in FIELDS:
            if field_correct(proposal, label, field):
                correct[field] += 1
            else:
                misses.append((label["file"], field, repr(getattr(proposal, field))))
    return {field: count / len(labels) for field, count in correct.items()}, seconds, misses


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    """Print the figures as Markdown rows for bench/README.md."""
    accuracy, seconds, misses = evaluate()
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    sys.stdout.write(f"cards: {len(seconds)}; machine: {os.cpu_count()} CPUs, {_cpu_model()}, Python {platform.python_version()}\n\n")
    sys.stdout.write("| field | accuracy |\n|---|---|\n")
    for field, share in accuracy.items():
        sys.stdout.write(f"| {field} | {share:.0%} |\n")
    sys.stdout.write(f"\ntime per image: mean {statistics.mean(seconds):.2f} s, p95 {p95:.2f} s, max {ordered[-1]:.2f} s\n")
    for file, field, proposed in misses:
        sys.stdout.write(f"miss: {file} {field}: {proposed}\n")


if __name__ == "__main__":
    main()
