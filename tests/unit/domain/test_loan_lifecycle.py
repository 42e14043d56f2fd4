"""Loan state transitions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lendapp.domain.errors import InvalidTransitionError
from lendapp.domain.loan_lifecycle import (
    ALLOWED_TRANSITIONS,
    LoanState,
    cure,
    mark_overdue,
    reactivate,
    restructure,
    settle,
    settle_early,
    transition,
    write_off,
)

AT = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def test_lifecycle_happy_path() -> None:
    change = mark_overdue(LoanState.ACTIVE, "job:overdue", AT)
    assert change.to_state is LoanState.OVERDUE
    assert change.actor == "job:overdue"
    assert cure(LoanState.OVERDUE, "job:overdue", AT).to_state is LoanState.ACTIVE
    assert restructure(LoanState.OVERDUE, "collector-7", AT, "hardship_plan").reason == "hardship_plan"
    assert reactivate(LoanState.RESTRUCTURED, "collector-7", AT).to_state is LoanState.ACTIVE
    assert write_off(LoanState.OVERDUE, "finance-2", AT).to_state is LoanState.WRITTEN_OFF


@pytest.mark.parametrize("state", [LoanState.ACTIVE, LoanState.OVERDUE])
def test_lifecycle_settlement_states(state: LoanState) -> None:
    assert settle(state, "job:settle", AT).to_state is LoanState.SETTLED
    assert settle_early(state, "borrower-1", AT).to_state is LoanState.SETTLED_EARLY


@pytest.mark.parametrize(
    ("function", "state"),
    [
        (write_off, LoanState.ACTIVE),
        (restructure, LoanState.ACTIVE),
        (cure, LoanState.SETTLED),
        (mark_overdue, LoanState.WRITTEN_OFF),
        (settle, LoanState.RESTRUCTURED),
        (reactivate, LoanState.OVERDUE),
        (settle_early, LoanState.SETTLED_EARLY),
    ],
)
def test_lifecycle_rejects_invalid_transition(function, state: LoanState) -> None:
    with pytest.raises(InvalidTransitionError) as raised:
        function(state, "someone", AT)
    assert state.value in str(raised.value)


def test_lifecycle_error_names_both_states() -> None:
    with pytest.raises(InvalidTransitionError) as raised:
        transition(LoanState.WRITTEN_OFF, LoanState.ACTIVE, "admin-1", AT)
    assert str(raised.value) == "cannot move a loan from written_off to active"


def test_terminal_states_have_no_exit() -> None:
    for state in (LoanState.WRITTEN_OFF, LoanState.SETTLED, LoanState.SETTLED_EARLY):
        assert not ALLOWED_TRANSITIONS[state]
