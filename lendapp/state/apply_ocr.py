"""Turning an ID card reading into what step 2 shows: rows to check and the values to prefill."""

from __future__ import annotations

import dataclasses

import reflex as rx

from lendapp.domain.masking import mask_id_number
from lendapp.i18n import translate
from lendapp.services.id_card_ocr import IdCardProposal

# Below this recognizer confidence the row warns the borrower to compare the value character by character.
LOW_CONFIDENCE = 0.9


@dataclasses.dataclass
class OcrRow:
    """One value read from the ID card photo, as listed for the borrower to check."""

    label_key: str
    value: str
    confidence: str
    warning: str


def _percent(confidence: float) -> str:
    return f"{round(confidence * 100)}%"


def proposal_rows(proposal: IdCardProposal, locale: str) -> list[OcrRow]:
    """List the name, ID number (masked) and address read from the card, with a warning where needed."""
    low = translate("apply.ocr.low_confidence", locale)
    rows = []
    if proposal.name is not None:
        rows.append(OcrRow("apply.identity.name", proposal.name.value, _percent(proposal.name.confidence),
                           low if proposal.name.confidence < LOW_CONFIDENCE else ""))
    number = proposal.id_number
    if number is not None:
        if number.valid:
            warning = low if number.confidence < LOW_CONFIDENCE else ""
        else:
            warning = translate("apply.ocr.id_not_filled", locale, reason=translate(number.error_key, locale))
        rows.append(OcrRow("apply.identity.masked_id", mask_id_number(number.value), _percent(number.confidence), warning))
    if proposal.address is not None:
        rows.append(OcrRow("apply.ocr.address", proposal.address.value, _percent(proposal.address.confidence),
                           low if proposal.address.confidence < LOW_CONFIDENCE else ""))
    return rows


def prefill_events(proposal: IdCardProposal) -> list[rx.event.EventSpec]:
    """Return the events that type the name and a valid ID number into the step-2 inputs.

    The values go to the browser's input fields only, so the full ID number
    never becomes a state var. An ID number that failed its check is not filled in.
    """
    events = []
    if proposal.name is not None:
        events.append(rx.set_value("full_name", proposal.name.value))
    if proposal.id_number is not None and proposal.id_number.valid:
        events.append(rx.set_value("id_number", proposal.id_number.value))
    return events
