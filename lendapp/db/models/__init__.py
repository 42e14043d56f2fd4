"""Every table lendapp stores; importing this package registers them all.

Alembic's autogenerate and the tests compare ``SQLModel.metadata`` against the
migrations, so a new table module must be imported here.
"""

from lendapp.db.models.account import UserAccount
from lendapp.db.models.application import ApplicationNote, ApplicationStatusEvent, LoanApplication
from lendapp.db.models.audit import AuditChainHead, AuditEntry
from lendapp.db.models.auth_session import AuthSession, SignInHandoff
from lendapp.db.models.borrower import BorrowerProfile
from lendapp.db.models.consent import ConsentRecord
from lendapp.db.models.content import SiteContent
from lendapp.db.models.document import ApplicationDocument
from lendapp.db.models.ledger import LedgerEntry, LedgerLine
from lendapp.db.models.loan import Disbursement, Loan, LoanContract, LoanInstallment, PlanChangeRequest
from lendapp.db.models.operations import (
    CollectionAction,
    JobRun,
    LoanProductVersion,
    Notification,
    NotificationPreference,
    PolicySetting,
    RiskAlert,
)
from lendapp.db.models.payment import Payment, WebhookEvent
from lendapp.db.models.product import LoanProduct
from lendapp.db.models.risk_snapshot import (
    RiskApplicationDay,
    RiskBandDay,
    RiskDecisionDay,
    RiskOutstandingDay,
    RiskPsiDay,
    RiskRecoveryDay,
    RiskRollMonth,
    RiskScoreDay,
    RiskSnapshotRun,
    RiskVintageDay,
)
from lendapp.db.models.sms import SmsCode, SmsOutboxMessage
from lendapp.db.models.throttle import SignInFailure, SignInLockout

ALL_TABLES = (
    UserAccount,
    LoanProduct,
    AuthSession,
    SignInHandoff,
    SmsCode,
    SmsOutboxMessage,
    SignInFailure,
    SignInLockout,
    AuditEntry,
    AuditChainHead,
    BorrowerProfile,
    SiteContent,
    LoanApplication,
    ApplicationNote,
    ApplicationStatusEvent,
    ApplicationDocument,
    ConsentRecord,
    Loan,
    LoanInstallment,
    LoanContract,
    Disbursement,
    PlanChangeRequest,
    LedgerEntry,
    LedgerLine,
    Payment,
    WebhookEvent,
    Notification,
    NotificationPreference,
    JobRun,
    CollectionAction,
    RiskAlert,
    PolicySetting,
    LoanProductVersion,
    RiskSnapshotRun,
    RiskApplicationDay,
    RiskDecisionDay,
    RiskScoreDay,
    RiskPsiDay,
    RiskOutstandingDay,
    RiskVintageDay,
    RiskRecoveryDay,
    RiskBandDay,
    RiskRollMonth,
)

__all__ = [
    "ALL_TABLES",
    "ApplicationDocument",
    "ApplicationNote",
    "ApplicationStatusEvent",
    "AuditChainHead",
    "AuditEntry",
    "AuthSession",
    "BorrowerProfile",
    "CollectionAction",
    "ConsentRecord",
    "Disbursement",
    "JobRun",
    "LedgerEntry",
    "LedgerLine",
    "Loan",
    "LoanApplication",
    "LoanContract",
    "LoanInstallment",
    "LoanProduct",
    "LoanProductVersion",
    "Notification",
    "NotificationPreference",
    "Payment",
    "PlanChangeRequest",
    "PolicySetting",
    "RiskAlert",
    "RiskApplicationDay",
    "RiskBandDay",
    "RiskDecisionDay",
    "RiskOutstandingDay",
    "RiskPsiDay",
    "RiskRecoveryDay",
    "RiskRollMonth",
    "RiskScoreDay",
    "RiskSnapshotRun",
    "RiskVintageDay",
    "SignInFailure",
    "SignInHandoff",
    "SignInLockout",
    "SiteContent",
    "SmsCode",
    "SmsOutboxMessage",
    "UserAccount",
    "WebhookEvent",
]
