"""Tell a borrower about a decision on their application, in the decision's own transaction.

Decisions are notices the borrower must receive, so preferences do not
silence them. The dedupe key names the application and its new status, so a
replayed decision queues nothing twice.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from lendapp.db.models import LoanApplication
from lendapp.services import notifications
from lendapp.services.applications_lifecycle import ApplicationStatus

logger = logging.getLogger(__name__)

S = ApplicationStatus
_TEMPLATE_OF = {
    S.APPROVED: "application_approved",
    S.AUTO_APPROVED: "application_approved",
    S.DECLINED: "application_declined",
    S.AUTO_DECLINED: "application_declined",
    S.DOCUMENTS_REQUESTED: "documents_requested",
}


def notify_decision(session: Session, row: LoanApplication) -> int:
    """Queue the notice for ``row``'s current status; return the rows queued (0 when the status needs none)."""
    template = _TEMPLATE_OF.get(S(row.status))
    if template is None:
        return 0
    logger.info("Queued the %s notice of application %s", template, row.number)
    params = {"application_number": row.number, "amount": str(row.amount) if row.amount is not None else "0"}
    return notifications.notify(session, row.borrower_id, template, params, dedupe_key=f"{template}:{row.number}:{row.status}")
