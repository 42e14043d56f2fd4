"""Loan states and the transitions between them.

    active <-> overdue -> restructured -> active
    overdue -> written_off
    active | overdue -> settled | settled_early

Each transition checks the current state and returns a StateChange that
records who made it and when, for the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from lendapp.domain.errors import InvalidTransitionError


class LoanState(str, Enum):
    """The state of a disbursed loan."""

    ACTIVE = "active"
    OVERDUE = "overdue"
    RESTRUCTURED = "restructured"
    WRITTEN_OFF = "written_off"
    SETTLED = "settled"
    SETTLED_EARLY = "settled_early"


ALLOWED_TRANSITIONS: dict[LoanState, frozenset[LoanState]] = {
    LoanState.ACTIVE: frozenset({LoanState.OVERDUE, LoanState.SETTLED, LoanState.SETTLED_EARLY}),
    LoanState.OVERDUE: frozenset(
        {LoanState.ACTIVE, LoanState.RESTRUCTURED, LoanState.WRITTEN_OFF, LoanState.SETTLED, LoanState.SETTLED_EARLY}
    ),
    LoanState.RESTRUCTURED: frozenset({LoanState.ACTIVE}),
    LoanState.WRITTEN_OFF: frozenset(),
    LoanState.SETTLED: frozenset(),
    LoanState.SETTLED_EARLY: frozenset(),
}


@dataclass(frozen=True)
class StateChange:
    """One applied transition: the states before and after, the actor and the time."""

    from_state: LoanState
    to_state: LoanState
    actor: str
    at: datetime
    reason: str = ""


def transition(current: LoanState, target: LoanState, actor: str, at: datetime, reason: str = "") -> StateChange:
    """Move a loan from ``current`` to ``target``.

    Raises:
        InvalidTransitionError: ``target`` is not reachable from ``current``.
            The message names both states.
    """
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransitionError(f"cannot move a loan from {current.value} to {target.value}")
    return StateChange(current, target, actor, at, reason)


def mark_overdue(current: LoanState, actor: str, at: datetime, reason: str = "") -> StateChange:
    """Mark an active loan overdue (an installment is unpaid after its due date)."""
    return transition(current, LoanState.OVERDUE, actor, at, reason)


def cure(current: LoanState, actor: str, at: datetime, reason: str = "") -> StateChange:
    """Return an overdue loan to active once every overdue amount is paid."""
    return transition(current, LoanState.ACTIVE, actor, at, reason)


def restructure(current: LoanState, actor: str, at: datetime, reason: str = "") -> StateChange:
    """Mark an overdue loan restructured (a deferral or extension was agreed)."""
    return transition(current, LoanState.RESTRUCTURED, actor, at, reason)


def reactivate(current: LoanState, actor: str, at: datetime, reason: str = "") -> StateChange:
    """Return a restructured loan to active on its new schedule."""
    if current is not LoanState.RESTRUCTURED:
        raise InvalidTransitionError(f"cannot move a loan from {current.value} to {LoanState.ACTIVE.value} by reactivation")
    return transition(current, LoanState.ACTIVE, actor, at, reason)


def write_off(current: LoanState, actor: str, at: datetime, reason: str = "") -> StateChange:
    """Write off an overdue loan whose balance is judged unrecoverable."""
    return transition(current, LoanState.WRITTEN_OFF, actor, at, reason)


def settle(current: LoanState, actor: str, at: datetime, reason: str = "") -> StateChange:
    """Close a loan whose schedule is fully paid."""
    return transition(current, LoanState.SETTLED, actor, at, reason)


def settle_early(current: LoanState, actor: str, at: datetime, reason: str = "") -> StateChange:
    """Close a loan paid off before maturity with a payoff quote."""
    return transition(current, LoanState.SETTLED_EARLY, actor, at, reason)
