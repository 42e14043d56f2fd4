"""A synthetic demo loan book: borrowers, applications in every status and loans with a payment history.

``seed_demo_book`` fills an empty database so that every staff queue and chart
has content. Everything is invented. Names are random pairs of common
characters. Resident ID numbers use real region codes with random birth
dates and sequence codes, and card numbers use bank BINs with random account
digits. Mobile numbers come from ranges the project's tests already use as
examples. Any match with a real person is a coincidence.

The book goes through the project's own rules wherever they exist. The active
credit model scores every submitted application and the credit policy decides
it. Loans are booked by ``loans.book_loan`` from ``quotes.offer_schedule``, and
their history is paid through ``loans.apply_repayment``, each payment with a
``Payment`` row, so the ledger, the reconciliation and the dashboards see a
book that the app could have produced. Contracts (PDFs) are not generated.

The same ``seed`` gives the same people, applications and loans; ciphertexts
differ between runs because every encryption draws a fresh nonce.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import logging
import random
import secrets
import time
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, func, select
from stdnum import luhn

from lendapp.db.engine import session_scope
from lendapp.db.models import (
    ApplicationStatusEvent,
    BorrowerProfile,
    CollectionAction,
    ConsentRecord,
    Disbursement,
    JobRun,
    Loan,
    LoanApplication,
    LoanProduct,
    Notification,
    Payment,
    UserAccount,
)
from lendapp.db.types import utc_now
from lendapp.domain.apr import AnnualizedRate
from lendapp.domain.credit_policy import ApplicantChecks, decide
from lendapp.domain.fees import penalty_interest
from lendapp.domain.kyc import check_character, check_mobile
from lendapp.domain.loan_lifecycle import LoanState
from lendapp.domain.masking import mask_phone
from lendapp.domain.money import ZERO, from_minor_units, to_minor_units
from lendapp.domain.payoff import PayoffQuote
from lendapp.domain.postings import penalty_charge_entry
from lendapp.domain.roles import Role
from lendapp.domain.schedule import Schedule, ScheduleRow
from lendapp.integrations.crypto import phone_hash
from lendapp.integrations.regions import lookup_region
from lendapp.risk.registry import ModelRegistry, ModelRegistryError
from lendapp.risk.scoring import Scorer, load_active_scorer
from lendapp.services import loans, notifications, risk_alerts, risk_snapshots
from lendapp.services.applications_lifecycle import ApplicationStatus
from lendapp.services.applications_views import (
    ADDRESS_COLUMN,
    CONTACT_PHONE_COLUMN,
    EMPLOYER_COLUMN,
)
from lendapp.services.applications_views import BANK_CARD_COLUMN as APPLICATION_CARD_COLUMN
from lendapp.services.applications_views import FULL_NAME_COLUMN as APPLICATION_NAME_COLUMN
from lendapp.services.applications_views import ID_NUMBER_COLUMN as APPLICATION_ID_COLUMN
from lendapp.services.audit import record_audit
from lendapp.services.consents import CONSENT_POLICIES, ConsentPurpose
from lendapp.services.daily_job import JOB_NAME
from lendapp.services.disbursements import DEFAULT_DISBURSEMENT_POLICY
from lendapp.services.kyc import check_identity, check_payout_card, local_today
from lendapp.services.passwords import hash_password
from lendapp.services.payments import quote_to_json
from lendapp.services.pii import (
    BANK_CARD_COLUMN,
    FULL_NAME_COLUMN,
    ID_NUMBER_COLUMN,
    PHONE_COLUMN,
    bank_card_hash,
    encrypt,
    full_name_hash,
    id_number_hash,
)
from lendapp.services.quotes import ProductTerms, QuoteError, list_product_terms, offer_schedule, quote_product
from lendapp.services.review_decisions import DEFAULT_REVIEW_POLICY
from lendapp.services.scoring_service import NO_AUTOMATED_DECISION, features_of, policy_for_product
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

S = ApplicationStatus

# --- Invented people ---------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建国志文博昊天翔晨阳东海亮松睿轩诚毅"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲燕婷雪琳晶颖倩慧莉萍红梅兰凤洁琴云蓉悦欣怡佳瑶璐薇婧妍思雨月彤馨"
STREET_WORDS = (
    "建设", "人民", "和平", "解放", "光明", "幸福", "新华", "友谊", "团结", "胜利", "文化", "青年", "春晖", "丰收",
    "桃园", "锦绣", "翠竹", "玉兰", "兴业", "长乐", "安康", "永宁", "启明", "朝晖", "金桥", "银杏", "枫林", "清泉",
)
STREET_KINDS = ("路", "街", "大道", "巷")
EMPLOYER_WORDS = ("恒信", "鼎丰", "华联", "瑞达", "新程", "博远", "宏图", "嘉禾", "益民", "安泰", "星辰", "同创")
INDUSTRIES = ("商贸", "物流", "餐饮", "电子科技", "建材", "服饰", "文化传媒", "农业科技", "家政服务", "汽车维修")

# County-level region codes across the provinces, urban and rural; each is
# checked against the region table when the book is built.
REGION_CODES = (
    "110105", "110108", "120104", "130102", "130524", "140105", "150102", "210103", "220104", "230103",
    "310104", "310115", "320106", "320583", "330106", "330782", "340104", "350203", "360732", "370202",
    "370103", "410105", "411323", "420106", "430104", "431228", "440305", "441900", "450103", "451025",
    "460108", "500103", "500112", "510107", "510124", "513226", "520102", "522622", "530102", "532801",
    "540102", "610113", "620102", "621123", "630104", "640104", "650102",
)
# Debit card BINs that the offline BIN table lists, with the card length each bank issues.
DEBIT_BINS = (("622848", 19), ("621700", 19), ("622700", 19), ("622588", 16), ("621799", 19), ("621098", 19), ("622260", 19))
# 1380013xxxx and its neighbours are the example numbers used across the tests. The
# block ending in 8xxx and 9xxx is left out because tests register those numbers.
PHONE_PREFIXES = ("1380013", "1390013", "1370013", "1360013", "1350013")
PHONE_BLOCK = 8000
MAX_BORROWERS = PHONE_BLOCK * len(PHONE_PREFIXES)

CHANNELS = (("web", 40), ("h5", 35), ("mini_program", 25))
SEGMENT_WEIGHTS = (("consumer", 45), ("small_business", 22), ("agricultural", 18), ("education", 15))
TERMS = {
    "consumer": (3, 6, 6, 12, 12, 12, 18, 24, 36),
    "small_business": (6, 12, 12, 12, 24, 36),
    "agricultural": (6, 9, 12, 12),
    "education": (6, 12, 12, 24, 36, 48),
}
PURPOSES = {
    "consumer": ("consumption", "consumption", "home_improvement", "medical", "vehicle"),
    "small_business": ("business",),
    "agricultural": ("agriculture",),
    "education": ("education",),
}
EMPLOYMENT = {
    "consumer": (("employed", 70), ("self_employed", 20), ("retired", 10)),
    "small_business": (("self_employed", 85), ("employed", 15)),
    "agricultural": (("farmer", 85), ("self_employed", 15)),
    "education": (("student", 45), ("employed", 55)),
}
MONTHLY_INCOME = {
    "employed": (4000, 22000),
    "self_employed": (6000, 40000),
    "farmer": (2500, 9000),
    "student": (1500, 4500),
    "retired": (3000, 8000),
}
HISTORY_DAYS = 540
RECENT_DAYS = 6
# The demo has a single finance account, so a payout above the second-confirmation
# limit can only wait for a second person: such amounts appear in recent applications only.
LARGE_AMOUNT = DEFAULT_DISBURSEMENT_POLICY.second_confirmation_above
DECLINE_REASONS = ("insufficient_income", "high_debt_burden", "poor_credit_history", "documents_incomplete")
DOCUMENT_REASONS = ("income_proof", "bank_statement", "employment_proof")
OVERDUE_BUCKETS = (("M1", 1, 30, 40), ("M2", 31, 60, 25), ("M3", 61, 90, 15), ("M3+", 91, 400, 20))


class DemoBookError(RuntimeError):
    """The demo book cannot be built, for example because no credit model is active."""


@dataclasses.dataclass(frozen=True)
class DemoBookResult:
    """Counts of one ``seed_demo_book`` run.

    Attributes:
        borrowers: Borrower accounts created.
        applications: Applications per status.
        loans: Loans per state.
        dpd_buckets: Open loans per dpd bucket.
        payments: Succeeded payments created.
        model_version: The model that scored the applications.
        seconds: Wall-clock time of the run.
    """

    borrowers: int
    applications: dict[str, int]
    loans: dict[str, int]
    dpd_buckets: dict[str, int]
    payments: int
    model_version: str
    seconds: float

    def summary(self) -> str:
        """Return the counts on one line, for the command line."""
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(self.applications.items()))
        states = ", ".join(f"{name} {count}" for name, count in sorted(self.loans.items()))
        buckets = ", ".join(f"{name} {count}" for name, count in sorted(self.dpd_buckets.items()))
        return (
            f"{self.borrowers} borrowers, {sum(self.applications.values())} applications ({statuses}), "
            f"{sum(self.loans.values())} loans ({states}; dpd {buckets}), {self.payments} payments, "
            f"model {self.model_version}, {self.seconds:.1f} s"
        )


@dataclasses.dataclass
class _Person:
    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    region_code: str
    province: str
    address: str
    phone_e164: str
    card: str
    bank_name: str
    bank_product: str
    bank_type: str


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in pairs], weights=[weight for _, weight in pairs])[0]


def _regions(today: dt.date) -> list[tuple[str, str, str]]:
    """Return (code, province, address prefix) of each region code that the region table lists today."""
    regions = []
    for code in REGION_CODES:
        region = lookup_region(code, today.year)
        if region is None:
            logger.warning("Region code %s is not in the region table; the demo book leaves it out", code)
            continue
        city = "" if region.city in ("市辖区", region.province, region.county) else region.city
        regions.append((code, region.province, f"{region.province}{city}{region.county}"))
    return regions


def _id_number(rng: random.Random, code: str, birth: dt.date, sex: str, used: set[str]) -> str:
    while True:
        sequence = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "male" else (0, 2, 4, 6, 8))
        body = f"{code}{birth:%Y%m%d}{sequence:03d}"
        number = body + check_character(body)
        if number not in used:
            used.add(number)
            return number


def _card_number(rng: random.Random, used: set[str]) -> str:
    while True:
        prefix, length = rng.choice(DEBIT_BINS)
        body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
        number = body + luhn.calc_check_digit(body)
        if number not in used:
            used.add(number)
            return number


def _address(rng: random.Random, prefix: str, rural: bool) -> str:
    if rural:
        return f"{prefix}{rng.choice(STREET_WORDS)}村{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
    street = rng.choice(STREET_WORDS) + rng.choice(STREET_KINDS)
    return f"{prefix}{street}{rng.randint(1, 399)}号{rng.randint(1, 30)}栋{rng.randint(1, 28)}{rng.randint(1, 6):02d}室"


def _people(ages: list[tuple[int, int, bool]], today: dt.date, rng: random.Random) -> list[_Person]:
    """Invent one person per ``(min age, max age, rural)`` with valid, distinct ID, card and mobile numbers."""
    regions = _regions(today)
    rural_regions = [region for region in regions if region[0][4] == "2"] or regions
    phones = rng.sample(range(MAX_BORROWERS), len(ages))
    used_ids: set[str] = set()
    used_cards: set[str] = set()
    people = []
    for slot, (min_age, max_age, rural) in zip(phones, ages, strict=True):
        sex = rng.choice(("male", "female"))
        given_chars = GIVEN_MALE if sex == "male" else GIVEN_FEMALE
        given_name = "".join(rng.choice(given_chars) for _ in range(rng.choice((1, 2, 2))))
        # Whole years between the limits, plus a random part of a year that keeps the age below max_age + 1.
        birth = today - dt.timedelta(days=rng.randint(min_age * 366, max_age * 365 + 300))
        code, province, prefix = rng.choice(rural_regions if rural else regions)
        id_number = _id_number(rng, code, birth, sex, used_ids)
        identity = check_identity(id_number, today=today)
        if not identity.ok:
            raise DemoBookError(f"generated resident ID number failed its check: {identity.error_key}")
        mobile = check_mobile(f"{PHONE_PREFIXES[slot // PHONE_BLOCK]}{slot % PHONE_BLOCK:04d}")
        if not mobile.ok:
            raise DemoBookError(f"generated mobile number failed its check: {mobile.error_key}")
        card = check_payout_card(_card_number(rng, used_cards))
        if not card.ok or not card.luhn_valid or card.issuer is None:
            raise DemoBookError(f"generated card number failed its check: {card.error_key or 'unknown BIN'}")
        people.append(_Person(
            name=rng.choice(SURNAMES) + given_name, sex=identity.sex, birth_date=identity.birth_date, id_number=identity.number,
            region_code=identity.region.code, province=identity.region.province,
            address=_address(rng, prefix, rural=rural), phone_e164=mobile.e164, card=card.digits,
            bank_name=card.issuer.bank, bank_product=card.issuer.product, bank_type=card.issuer.card_type.value,
        ))
    return people


# --- Applications and their timelines ----------------------------------------------------------


@dataclasses.dataclass
class _Plan:
    """One borrower's application as it will be stored, with its status events and loan behaviour."""

    person: _Person
    row: LoanApplication
    product: LoanProduct
    terms: ProductTerms
    recent: bool
    automated_consent: bool
    events: list[tuple[str, dt.datetime, str, str]] = dataclasses.field(default_factory=list)
    path: str = "scored"
    outcome: S | None = None
    large_payout_pending: bool = False
    behaviour: str = ""


class _Clock:
    """Event times of one application: increasing, and never later than the book's ``now``."""

    def __init__(self, start: dt.datetime, now: dt.datetime) -> None:
        self.at = start
        self.latest = now - dt.timedelta(minutes=1)

    def after(self, low: dt.timedelta, high: dt.timedelta, rng: random.Random) -> dt.datetime:
        step = low + (high - low) * rng.random()
        self.at = max(self.at + dt.timedelta(seconds=1), min(self.at + step, self.latest))
        return self.at


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(get_settings().timezone_info)


def _at_local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=get_settings().timezone_info)
    return local.astimezone(dt.UTC)


def _created_at(rng: random.Random, now: dt.datetime, recent: bool) -> dt.datetime:
    if recent:
        return now - dt.timedelta(hours=2 + rng.random() * (RECENT_DAYS * 24 - 2))
    # More applications in later months, as a growing lender would have.
    days = RECENT_DAYS + 1 + (HISTORY_DAYS - RECENT_DAYS - 1) * rng.random() ** 1.8
    return now - dt.timedelta(days=days, minutes=rng.randint(0, 600))


def _segment_product(rng: random.Random, products: dict[str, tuple[LoanProduct, ProductTerms]]) -> tuple[LoanProduct, ProductTerms]:
    segments = tuple((segment, weight) for segment, weight in SEGMENT_WEIGHTS if segment in products)
    return products[_weighted(rng, segments)]


def _loan_choice(rng: random.Random, terms: ProductTerms, income: Decimal, large: bool) -> tuple[Decimal, int, Decimal]:
    """Return an amount, term and rate inside the product's ranges and the income share rule."""
    income_cap = income * 12 / 3
    ceiling = min(terms.max_amount, income_cap, terms.max_amount if large else LARGE_AMOUNT)
    floor = terms.min_amount
    share = Decimal(str(rng.random() ** 2))
    amount = (floor + (ceiling - floor) * share) if ceiling > floor else floor
    amount = max(floor, (amount / 500).quantize(Decimal(1)) * 500)
    if large:
        amount = max(amount, LARGE_AMOUNT + 10000)
    months = [m for m in TERMS[terms.segment] if terms.min_term_months <= m <= terms.max_term_months]
    term = rng.choice(months or [terms.min_term_months])
    steps = int((terms.max_annual_rate - terms.min_annual_rate) / Decimal("0.0025"))
    rate = terms.min_annual_rate + Decimal("0.0025") * rng.randint(0, steps)
    return amount, term, rate


def _application(rng: random.Random, person: _Person, product: LoanProduct, terms: ProductTerms,
                 created: dt.datetime, large: bool) -> LoanApplication:
    """Build the application row as the wizard would have filled it by submission."""
    employment = _weighted(rng, EMPLOYMENT[terms.segment])
    low, high = MONTHLY_INCOME[employment]
    income = Decimal(rng.randrange(low, high, 100))
    amount, term, rate = _loan_choice(rng, terms, income, large)
    # The wizard refuses an amount above a third of the annual income, so income covers it.
    income = max(income, (amount * 3 / 12 / 100).to_integral_value() * 100 + 100)
    employer = ""
    if employment in ("employed", "self_employed"):
        employer = f"{rng.choice(EMPLOYER_WORDS)}{rng.choice(INDUSTRIES)}有限公司"
    return LoanApplication(
        number="", borrower_id=0, status="", step=7,
        product_code=product.code, product_version=product.version, segment=product.segment, amount=amount, term=term,
        method=product.method, annual_rate=rate, purpose=rng.choice(PURPOSES[terms.segment]),
        full_name_enc=encrypt(person.name, APPLICATION_NAME_COLUMN),
        id_number_enc=encrypt(person.id_number, APPLICATION_ID_COLUMN), id_number_hash=id_number_hash(person.id_number),
        birth_date=person.birth_date, sex=person.sex, region_code=person.region_code, province=person.province,
        contact_phone_enc=encrypt(person.phone_e164, CONTACT_PHONE_COLUMN), contact_phone_hash=phone_hash(person.phone_e164),
        address_enc=encrypt(person.address, ADDRESS_COLUMN), employment_type=employment,
        employer_enc=encrypt(employer, EMPLOYER_COLUMN) if employer else None, monthly_income=income,
        employment_months=0 if employment == "student" else rng.randint(6, 240),
        housing=_weighted(rng, (("own", 65), ("rent", 25), ("free", 10))),
        residence_years=rng.randint(1, 20), dependants=rng.choice((0, 1, 1, 1, 2, 2, 3)),
        bank_card_enc=encrypt(person.card, APPLICATION_CARD_COLUMN), bank_card_hash=bank_card_hash(person.card),
        bank_card_last4=person.card[-4:], bank_name=person.bank_name[:128], bank_card_product=person.bank_product[:128],
        bank_card_type=person.bank_type, channel=_weighted(rng, CHANNELS), device_id=f"demo-{rng.getrandbits(64):016x}",
        client_ip=f"203.0.113.{rng.randint(1, 254)}", created_at=created, updated_at=created,
    )


def _trim_draft(row: LoanApplication, step: int) -> None:
    """Clear what a draft that stopped at wizard ``step`` has not saved yet."""
    row.step = step
    if step <= STEP_IDENTITY:
        row.full_name_enc = row.id_number_enc = row.id_number_hash = row.birth_date = None
        row.sex = row.region_code = row.province = ""
    if step <= STEP_DETAILS:
        row.contact_phone_enc = row.contact_phone_hash = row.address_enc = row.employer_enc = None
        row.monthly_income = row.employment_months = row.residence_years = row.dependants = None
        row.employment_type = row.housing = ""
    if step <= STEP_CARD:
        row.bank_card_enc = row.bank_card_hash = None
        row.bank_card_last4 = row.bank_name = row.bank_card_product = row.bank_card_type = ""


STEP_IDENTITY, STEP_DETAILS, STEP_CARD = 2, 3, 4


def _age_at(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - (0 if (day.month, day.day) >= (birth.month, birth.day) else 1)


def _score(plans: list[_Plan], scorer: Scorer) -> None:
    """Score every submitted application with the active model and decide it by the credit policy.

    The fields written are those ``scoring_service`` writes. Fraud rules are
    not run, because every demo applicant has its own device, phone and card.
    """
    policies = {}
    for plan in plans:
        row = plan.row
        if plan.path != "scored":
            continue
        try:
            quote = quote_product(plan.terms, row.amount, row.term, row.method, row.annual_rate)
            installment = quote.installment or quote.first_payment
        except QuoteError as error:
            raise DemoBookError(f"demo application outside product {row.product_code}: {error}") from error
        features = features_of(row, scorer.compiled.baseline, _age_at(row.birth_date, _local(row.created_at).date()), installment)
        result = scorer.score(features)
        if row.product_code not in policies:
            policies[row.product_code] = policy_for_product(plan.product)
        decision = decide(features, result, policies[row.product_code], ApplicantChecks(blacklisted=False, open_applications=0))
        outcome = S(decision.outcome.value)
        reason = decision.rules_hit[0].code if decision.rules_hit else "score_band"
        if not plan.automated_consent:
            outcome, reason = S.IN_REVIEW, NO_AUTOMATED_DECISION
        row.score = result.score
        row.pd = result.pd
        row.model_version = result.model_version
        row.reason_codes = json.dumps([dataclasses.asdict(code) for code in result.reason_codes], ensure_ascii=False)
        row.rules_hit = json.dumps([hit.code for hit in decision.rules_hit])
        row.offered_rate = decision.annual_rate
        row.suggested_limit = decision.suggested_limit
        row.decision_reason = reason
        plan.outcome = outcome


class _Choices:
    """Weighted choices that first hand out each option of ``first`` once, so a small book still has every status."""

    def __init__(self, first: tuple[str, ...], weights: tuple[tuple[str, int], ...]) -> None:
        self.first = collections.deque(first)
        self.weights = weights

    def pick(self, rng: random.Random, allowed: set[str] | None = None) -> str:
        for option in list(self.first):
            if allowed is None or option in allowed:
                self.first.remove(option)
                return option
        weights = tuple(pair for pair in self.weights if allowed is None or pair[0] in allowed)
        return _weighted(rng, weights)


@dataclasses.dataclass
class _Fates:
    recent_review: _Choices = dataclasses.field(default_factory=lambda: _Choices(
        ("in_review", "documents_requested", "approved", "declined"),
        (("in_review", 35), ("documents_requested", 20), ("approved", 30), ("declined", 15))))
    recent_offer: _Choices = dataclasses.field(default_factory=lambda: _Choices(
        ("offer_accepted", "contract_signed", "disbursed"),
        (("stay", 30), ("offer_accepted", 25), ("contract_signed", 20), ("disbursed", 25))))
    open_offers: set[str] = dataclasses.field(default_factory=lambda: {"auto", "staff"})
    old_review: _Choices = dataclasses.field(default_factory=lambda: _Choices(
        ("withdrawn",), (("withdrawn", 3), ("decide", 97))))
    old_offer: _Choices = dataclasses.field(default_factory=lambda: _Choices(
        ("expired", "withdrawn"), (("withdrawn", 4), ("expired", 6), ("disbursed", 90))))
    second_approval: _Choices = dataclasses.field(default_factory=lambda: _Choices(("stay",), (("stay", 50), ("confirm", 50))))


MINUTE, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)


def _approve_chance(score: int | None) -> float:
    # A reviewer approves most applications near the approval band and few near the decline band.
    if score is None:
        return 0.6
    return min(0.9, max(0.3, (score - 450) / 130 * 0.6 + 0.3))


def _timeline(plan: _Plan, rng: random.Random, now: dt.datetime, fates: _Fates) -> None:
    """Write the status events of ``plan`` and the matching fields of its row."""
    row = plan.row
    clock = _Clock(row.created_at, now)
    event = plan.events.append
    event((S.DRAFT, row.created_at, "borrower", ""))
    if plan.path == "draft":
        _trim_draft(row, rng.randint(2, 5))
        row.expires_at = row.created_at + dt.timedelta(days=get_settings().application_draft_days)
        return
    if plan.path in ("draft_expired", "draft_withdrawn"):
        _trim_draft(row, rng.randint(1, 5))
        if plan.path == "draft_expired":
            at = row.created_at + dt.timedelta(days=get_settings().application_draft_days, hours=rng.randint(1, 20))
            event((S.EXPIRED, at, "system", "draft_expired"))
        else:
            event((S.WITHDRAWN, clock.after(10 * MINUTE, 2 * DAY, rng), "borrower", ""))
        row.closed_at = plan.events[-1][1]
        return
    row.submitted_at = clock.after(5 * MINUTE, 40 * MINUTE, rng)
    event((S.SUBMITTED, row.submitted_at, "borrower", ""))
    if plan.path == "submitted":
        return
    row.scoring_at = clock.after(2 * MINUTE / 60, 3 * MINUTE / 60, rng)
    event((S.SCORING, row.scoring_at, "system", ""))
    if plan.path == "scoring":
        return
    row.decided_at = clock.after(MINUTE / 60, 4 * MINUTE / 60, rng)
    event((plan.outcome, row.decided_at, "system", row.decision_reason))
    if plan.outcome is S.AUTO_DECLINED:
        return
    if plan.outcome is S.IN_REVIEW and not _review(plan, rng, clock, fates):
        return
    _offer(plan, rng, clock, fates)


def _review(plan: _Plan, rng: random.Random, clock: _Clock, fates: _Fates) -> bool:
    """Write a reviewer's handling of an application in review; True when it ends approved."""
    row, event = plan.row, plan.events.append
    if plan.recent and row.amount > LARGE_AMOUNT and fates.second_approval.first:
        fate = "approved"
    elif plan.recent:
        fate = fates.recent_review.pick(rng)
    else:
        fate = fates.old_review.pick(rng)
        if fate == "decide":
            fate = "approved" if rng.random() < _approve_chance(row.score) else "declined"
        if fate != "withdrawn" and rng.random() < 0.2:
            event((S.DOCUMENTS_REQUESTED, clock.after(2 * HOUR, 2 * DAY, rng), "reviewer", rng.choice(DOCUMENT_REASONS)))
            event((S.IN_REVIEW, clock.after(HOUR, 3 * DAY, rng), "borrower", "documents_uploaded"))
    if fate == "in_review":
        return False
    if fate == "documents_requested":
        event((S.DOCUMENTS_REQUESTED, clock.after(HOUR, DAY, rng), "reviewer", rng.choice(DOCUMENT_REASONS)))
        return False
    if fate == "withdrawn":
        event((S.WITHDRAWN, clock.after(HOUR, 2 * DAY, rng), "borrower", ""))
        row.closed_at = clock.at
        return False
    if fate == "declined":
        reasons = ",".join(sorted(rng.sample(DECLINE_REASONS, rng.randint(1, 2))))
        event((S.DECLINED, clock.after(HOUR, 2 * DAY, rng), "reviewer", reasons))
        row.decided_at, row.decision_reason = clock.at, reasons
        return False
    row.decided_at = clock.after(HOUR, 2 * DAY, rng)
    if row.offered_rate is not None and rng.random() < 0.5:
        # A counter-offer at the risk tier's rate, kept inside the product's range.
        row.annual_rate = min(max(row.offered_rate, plan.terms.min_annual_rate), plan.terms.max_annual_rate)
    event((S.APPROVED, row.decided_at, "reviewer", "approved_as_requested"))
    if row.amount > DEFAULT_REVIEW_POLICY.second_approval_above:
        event((S.PENDING_SECOND_APPROVAL, row.decided_at, "reviewer", "above_second_approval_amount"))
        if fates.second_approval.pick(rng) == "stay":
            return False
        event((S.APPROVED, clock.after(HOUR, DAY, rng), "senior_approver", "second_approval_confirmed"))
    return True


def _offer(plan: _Plan, rng: random.Random, clock: _Clock, fates: _Fates) -> None:
    """Write the borrower's handling of an offer, up to disbursement."""
    row, event = plan.row, plan.events.append
    large = row.amount > LARGE_AMOUNT
    if plan.recent:
        allowed = {"stay", "offer_accepted", "contract_signed"} if large else None
        # The first recent automatic and the first recent staff approval keep their offer open, so both statuses show.
        first_of_kind = "auto" if plan.outcome is S.AUTO_APPROVED else "staff"
        if first_of_kind in fates.open_offers:
            fates.open_offers.discard(first_of_kind)
            fate = "stay"
        else:
            fate = fates.recent_offer.pick(rng, allowed)
    else:
        fate = fates.old_offer.pick(rng)
        if fate == "expired" and clock.latest - clock.at < 31 * DAY:
            fate = "disbursed"
    if fate == "stay":
        return
    if fate in ("withdrawn", "expired"):
        if fate == "withdrawn":
            event((S.WITHDRAWN, clock.after(HOUR, 5 * DAY, rng), "borrower", ""))
        else:
            event((S.EXPIRED, clock.after(30 * DAY, 30 * DAY + HOUR, rng), "system", "offer_expired"))
        row.closed_at = clock.at
        return
    event((S.OFFER_ACCEPTED, clock.after(20 * MINUTE, 2 * DAY, rng), "borrower", "offer_accepted"))
    if fate == "offer_accepted":
        return
    event((S.CONTRACT_SIGNED, clock.after(5 * MINUTE, DAY, rng), "borrower", "contract_signed"))
    if fate == "contract_signed":
        plan.large_payout_pending = large
        return
    # The loan number is the reason of the disbursed event; it is known once the loan is booked.
    event((S.DISBURSED, clock.after(2 * HOUR, 2 * DAY, rng), "finance", ""))


def _plans(count: int, today: dt.date, now: dt.datetime, rng: random.Random,
           products: dict[str, tuple[LoanProduct, ProductTerms]]) -> list[_Plan]:
    """Invent the borrowers and their applications, before scoring."""
    chosen = [_segment_product(rng, products) for _ in range(count)]
    if count > 1 and "small_business" in products:
        # The second borrower requests a large business loan, so even a small book has one waiting for a second approval.
        chosen[1] = products["small_business"]
    # Ages stay inside 20 to 58 and the product's limits, which the wizard checks on the application date
    # up to HISTORY_DAYS ago: the two years added to the minimum cover that.
    ages = [(max(20, product.min_age + 2), min(58, product.max_age), product.segment == "agricultural") for product, _ in chosen]
    people = _people(ages, today, rng)
    recent_count = max(15, count * 8 // 100) if count >= 30 else count // 2
    plans = []
    for index, (person, (product, terms)) in enumerate(zip(people, chosen, strict=True)):
        recent = index < recent_count
        large = recent and terms.segment == "small_business" and terms.max_amount > LARGE_AMOUNT and (index == 1 or rng.random() < 0.4)
        row = _application(rng, person, product, terms, _created_at(rng, now, recent), large)
        plan = _Plan(person=person, row=row, product=product, terms=terms, recent=recent, automated_consent=rng.random() < 0.92)
        draw = rng.random()
        if recent and (index == 0 or draw < 0.12):
            plan.path = "draft"
        elif not recent and draw < 0.04:
            plan.path = "draft_expired"
        elif not recent and draw < 0.055:
            plan.path = "draft_withdrawn"
        plans.append(plan)
    # A few of the newest applications still wait for the scoring worker.
    newest = sorted((plan for plan in plans if plan.path == "scored"), key=lambda plan: plan.row.created_at, reverse=True)
    stuck = max(1, count // 1000) if count >= 20 else 0
    for position, plan in enumerate(newest[:2 * stuck]):
        plan.path = "submitted" if position < stuck else "scoring"
    return plans


# --- Loan histories ----------------------------------------------------------------------------


@dataclasses.dataclass
class _Ledger:
    """State shared by the loan simulation: the session, the finance id, today, counters and the messages to queue."""

    session: Session
    rng: random.Random
    today: dt.date
    now: dt.datetime
    finance_id: int
    payments: int = 0
    payment_rows: list[dict] = dataclasses.field(default_factory=list)
    messages: list[tuple[notifications.QueuedMessage, dt.datetime]] = dataclasses.field(default_factory=list)


def _behaviour(rng: random.Random, pd_value: float | None) -> str:
    """Draw how a borrower repays: a higher PD makes arrears more likely."""
    overdue = min(0.45, max(0.05, (pd_value or 0.1) * 1.2))
    draw = rng.random()
    if draw < overdue:
        return "overdue:" + _weighted(rng, tuple((name, weight) for name, _, _, weight in OVERDUE_BUCKETS))
    draw -= overdue
    if draw < 0.15:
        return "late_cured"
    if draw < 0.27:
        return "settled_early"
    return "on_time"


def _pay(book: _Ledger, loan: Loan, on: dt.date, amount: Decimal, purpose: str, *, through: dt.date | None = None,
         payoff: PayoffQuote | None = None) -> None:
    """Apply a succeeded payment through ``loans.apply_repayment`` and keep its ``Payment`` row for a bulk insert.

    The repayment entry's key is ``payment-<reference>``, the key the reconciliation looks for.
    """
    at = _at_local(on, book.rng.randint(8, 21), book.rng.randint(0, 59))
    provider = "stripe" if book.rng.random() < 0.6 else "bank_transfer"
    minor = to_minor_units(amount, loan.currency)
    book.payments += 1
    # A running number instead of the row id keeps the reference unique without a flush per payment.
    reference = f"RP-{on:%Y%m%d}-D{book.payments:05d}"
    payment = {
        "reference": reference, "loan_id": loan.id, "borrower_id": loan.borrower_id, "purpose": purpose, "provider": provider,
        "currency": loan.currency, "amount_minor": minor, "received_minor": minor, "refunded_minor": 0, "status": "succeeded",
        "provider_status": "", "failure_code": "",
        "payment_method": book.rng.choice(("card", "alipay", "wechat_pay")) if provider == "stripe" else "bank_transfer",
        "idempotency_key": f"loan-{loan.id}:{purpose}:{on.isoformat()}:{minor}:{provider}:{reference}",
        "payoff_quote_json": quote_to_json(payoff) if payoff is not None else None,
        "confirmed_by": book.finance_id if provider == "bank_transfer" else None, "ledger_key": f"payment-{reference}",
        "created_at": at, "updated_at": at, "succeeded_at": at,
    }
    book.payment_rows.append(payment)
    loans.apply_repayment(book.session, loan, amount, on, payment["ledger_key"], through=through, payoff=payoff,
                          memo=reference, now=at)


def _pay_installment(book: _Ledger, loan: Loan, row: ScheduleRow, last_paid: dt.date) -> dt.date:
    """Pay one installment in full on its due date or up to three days before.

    Every earlier row is paid by then, so the amount due is the schedule row's own total.
    """
    on = max(last_paid, loan.start_date + DAY, row.due_date - dt.timedelta(days=book.rng.randint(0, 3)))
    _pay(book, loan, on, row.principal + row.interest + row.fee, "installment", through=row.due_date)
    return on


def _charge_catch_up_penalty(book: _Ledger, loan: Loan, through: dt.date) -> None:
    """Post one entry with the penalty interest of every overdue row up to ``through``.

    The daily job charges one day per entry under ``loan-{id}:penalty:{date}``.
    This catch-up entry has its own key, so a later run of the job for a
    following date adds only that date's penalty.
    """
    fees = loans.loan_schedule(loan).fees
    total = ZERO
    for row in loans.installments_of(book.session, loan):
        overdue_principal = row.principal - row.paid_principal
        if row.due_date < through and overdue_principal:
            total += penalty_interest(overdue_principal, row.due_date, through, fees, loan.currency)
    if total > 0:
        key = f"loan-{loan.id}:penalty-catch-up:{through.isoformat()}"
        entry = penalty_charge_entry(key, str(loan.id), through, total, loan.currency, "penalty interest to date")
        loans.post_entry(book.session, loan.id, entry)


def _pay_late(book: _Ledger, loan: Loan, row: ScheduleRow) -> dt.date:
    """Let an installment fall overdue, charge its penalty and pay everything overdue 4 to 24 days late."""
    on = row.due_date + dt.timedelta(days=book.rng.randint(4, 24))
    loans.refresh_state(book.session, loan, on, now=_at_local(on, 8, 0))
    _charge_catch_up_penalty(book, loan, on - DAY)
    position = loans.position_of(book.session, loan, on)
    _pay(book, loan, on, position.overdue_amount, "overdue")
    return on


def _overdue_from(dues: list[dt.date], today: dt.date, bucket: str) -> int | None:
    """Return the index of the first row left unpaid so that today's dpd falls in ``bucket``, or None."""
    for name, low, high, _ in OVERDUE_BUCKETS:
        if name == bucket:
            for index, due in enumerate(dues):
                if low <= (today - due).days <= high:
                    return index
    return None


def _simulate(book: _Ledger, loan: Loan, schedule: Schedule, behaviour: str) -> str:
    """Pay the loan's history up to yesterday as ``behaviour`` describes; return the behaviour actually played."""
    rng, today = book.rng, book.today
    yesterday = today - DAY
    rows = schedule.rows
    past = [row for row in rows if row.due_date < today]
    stop = len(past)
    late: set[int] = set()
    payoff_on = None
    if behaviour.startswith("overdue:"):
        index = _overdue_from([row.due_date for row in past], today, behaviour.split(":", 1)[1])
        if index is None:
            behaviour = "on_time"
        else:
            stop = index
    elif behaviour == "late_cured":
        candidates = [i for i, row in enumerate(past) if (today - row.due_date).days > 26]
        late = set(rng.sample(candidates, min(len(candidates), rng.randint(1, 2))))
        behaviour = behaviour if late else "on_time"
    elif behaviour == "settled_early":
        paid = rng.randint(0, min(len(past), len(rows) - 1))
        low = (rows[paid - 1].due_date if paid else loan.start_date + 7 * DAY) + DAY
        high = min(rows[paid].due_date - DAY, yesterday)
        if low <= high:
            stop, payoff_on = paid, low + dt.timedelta(days=rng.randint(0, (high - low).days))
        else:
            behaviour = "on_time"
    last_paid = loan.start_date
    for index in range(stop):
        last_paid = _pay_late(book, loan, past[index]) if index in late else _pay_installment(book, loan, past[index], last_paid)
    if payoff_on is not None:
        quote = loans.quote_payoff(book.session, loan, payoff_on)
        _pay(book, loan, payoff_on, quote.total, "payoff", payoff=quote)
    if behaviour.startswith("overdue:"):
        for row in past[stop:]:
            loans.accrue_due_rows(book.session, loan, row.due_date)
        # Rows due today are booked too: the daily job books only rows it finds still upcoming.
        loans.accrue_due_rows(book.session, loan, today)
        _charge_catch_up_penalty(book, loan, yesterday)
        loans.refresh_state(book.session, loan, today, now=book.now)
    return behaviour


FORCED_BEHAVIOURS = ("overdue:M3+", "overdue:M3", "overdue:M2", "overdue:M1", "settled_early", "late_cured")


def _assign_behaviours(booked: list[tuple[_Plan, Schedule]], rng: random.Random, today: dt.date) -> None:
    """Draw each loan's behaviour from its PD, first giving each state of the book to one loan that can reach it."""
    for plan, _ in booked:
        plan.behaviour = _behaviour(rng, plan.row.pd)
    matured = [(schedule.maturity_date, i) for i, (_, schedule) in enumerate(booked) if schedule.maturity_date < today]
    assigned = set()
    if matured:
        # The loan that matured first, paid on time, ends settled.
        index = min(matured)[1]
        booked[index][0].behaviour = "on_time"
        assigned.add(index)
    for behaviour in FORCED_BEHAVIOURS:
        for index, (plan, schedule) in enumerate(booked):
            if index in assigned:
                continue
            past = [row.due_date for row in schedule.rows if row.due_date < today]
            if behaviour.startswith("overdue:") and _overdue_from(past, today, behaviour.split(":", 1)[1]) is None:
                continue
            if behaviour == "late_cured" and not any((today - due).days > 26 for due in past):
                continue
            if behaviour == "settled_early" and len(schedule.rows) < 2:
                continue
            plan.behaviour = behaviour
            assigned.add(index)
            break


# --- Writing the book --------------------------------------------------------------------------


def _load_scorer(registry: ModelRegistry | None) -> Scorer:
    registry = registry or ModelRegistry()
    if registry.active_version() is None:
        raise DemoBookError(
            f"no active credit model in {registry.root}: run `python -m lendapp model train` first, then seed the demo book again"
        )
    try:
        return load_active_scorer(registry)
    except ModelRegistryError as error:
        raise DemoBookError(f"the active credit model cannot be loaded ({error}); run `python -m lendapp model train`") from error


def _staff_ids(session: Session) -> dict[str, int]:
    needed_roles = (Role.REVIEWER, Role.SENIOR_APPROVER, Role.FINANCE, Role.COLLECTOR)
    ids: dict[str, int] = {}
    query = select(UserAccount).where(UserAccount.role.in_([str(r) for r in needed_roles])).order_by(UserAccount.id)
    rows = session.exec(query).all()
    for account in rows:
        if account.role not in ids or account.login == f"demo_{account.role}":
            ids[account.role] = account.id
    missing = [str(role) for role in needed_roles if str(role) not in ids]
    if missing:
        raise DemoBookError(f"staff accounts missing for roles {', '.join(missing)}: seed the demo staff first (`python -m lendapp demo seed`)")
    return ids


def _products(session: Session, engine: sa.Engine | None) -> dict[str, tuple[LoanProduct, ProductTerms]]:
    terms = {product.code: product for product in list_product_terms(engine)}
    products = {}
    for product in session.exec(select(LoanProduct).where(LoanProduct.is_active).order_by(LoanProduct.sort_order)).all():
        if product.segment not in products and product.code in terms:
            products[product.segment] = (product, terms[product.code])
    if not products:
        raise DemoBookError("no active loan products: seed the demo products first (`python -m lendapp demo seed`)")
    return products


def _insert_people(session: Session, plans: list[_Plan]) -> None:
    """Insert the borrower accounts, profiles and applications; ids and numbers are set on the plans' rows."""
    # One hash of a secret nobody sees: demo borrowers exist for staff screens and cannot sign in.
    password = hash_password(secrets.token_urlsafe(32))
    accounts = []
    for plan in plans:
        joined = plan.row.created_at - 30 * MINUTE
        phone = plan.person.phone_e164
        accounts.append(UserAccount(
            role=str(Role.BORROWER), login=phone_hash(phone), display_name=mask_phone(phone), password_hash=password,
            phone_enc=encrypt(phone, PHONE_COLUMN), phone_hash=phone_hash(phone), password_changed_at=joined,
            created_at=joined, updated_at=joined,
        ))
    session.add_all(accounts)
    session.flush()
    profiles = []
    for plan, account in zip(plans, accounts, strict=True):
        person = plan.person
        plan.row.borrower_id = account.id
        profiles.append({
            "user_id": account.id, "full_name_enc": encrypt(person.name, FULL_NAME_COLUMN), "full_name_hash": full_name_hash(person.name),
            "id_number_enc": encrypt(person.id_number, ID_NUMBER_COLUMN), "id_number_hash": id_number_hash(person.id_number),
            "bank_card_enc": encrypt(person.card, BANK_CARD_COLUMN), "bank_card_hash": bank_card_hash(person.card),
            "created_at": account.created_at, "updated_at": account.created_at,
        })
    session.execute(sa.insert(BorrowerProfile), profiles)
    for index, plan in enumerate(plans):
        status, at, _, _ = plan.events[-1]
        plan.row.status = str(status)
        plan.row.updated_at = at
        plan.row.number = f"tmp-demo-{index}"
    session.add_all([plan.row for plan in plans])
    session.flush()
    for plan in plans:
        plan.row.number = f"LA-{_local(plan.row.created_at):%Y%m%d}-{plan.row.id:06d}"
    session.flush()


def _insert_consents(session: Session, plans: list[_Plan]) -> None:
    rows = []
    for plan in plans:
        if plan.row.submitted_at is None:
            continue
        for policy in CONSENT_POLICIES:
            granted = plan.automated_consent if policy.purpose is ConsentPurpose.AUTOMATED_DECISION else True
            rows.append({
                "user_id": plan.row.borrower_id, "application_id": plan.row.id, "purpose": policy.purpose.value,
                "policy_version": policy.version, "granted": granted, "client_ip": plan.row.client_ip,
                "created_at": plan.row.submitted_at - MINUTE,
            })
    if rows:
        session.execute(sa.insert(ConsentRecord), rows)


def _insert_events(session: Session, plans: list[_Plan], staff: dict[str, int]) -> None:
    rows = []
    for plan in plans:
        previous = ""
        for status, at, actor, reason in plan.events:
            actor_id = plan.row.borrower_id if actor == "borrower" else staff.get(actor)
            rows.append({
                "application_id": plan.row.id, "from_status": previous, "to_status": str(status), "actor_id": actor_id,
                "actor_role": actor, "reason": reason[:256], "created_at": at,
            })
            previous = str(status)
    session.execute(sa.insert(ApplicationStatusEvent), rows)


def _book_loans(book: _Ledger, plans: list[_Plan], staff: dict[str, int]) -> int:
    """Book a loan for each disbursed application and play its payment history; return how many were booked."""
    booked = []
    for plan in plans:
        status, at, _, _ = plan.events[-1]
        if status is S.DISBURSED:
            row = plan.row
            schedule, rates = offer_schedule(plan.terms, row.amount, row.term, row.method, row.annual_rate, _local(at).date())
            booked.append((plan, schedule, rates, at))
    booked.sort(key=lambda item: item[3])
    _assign_behaviours([(plan, schedule) for plan, schedule, _, _ in booked], book.rng, book.today)
    for count, (plan, schedule, rates, at) in enumerate(booked, start=1):
        _book_one(book, plan, schedule, rates, at, staff)
        if count % 100 == 0:
            # Detached rows keep the identity map small; everything stays in one transaction.
            book.session.flush()
            book.session.expunge_all()
    return len(booked)


def _book_one(book: _Ledger, plan: _Plan, schedule: Schedule, rates: AnnualizedRate, at: dt.datetime, staff: dict[str, int]) -> None:
    """Book one disbursed application's loan, its payout record, payment history, messages and collection actions."""
    row = plan.row
    loan = loans.book_loan(
        book.session, application_id=row.id, borrower_id=row.borrower_id, product_code=row.product_code,
        product_version=row.product_version, segment=row.segment, schedule=schedule, apr=rates.periodic_x_n, now=at,
    )
    plan.events[-1] = (S.DISBURSED, at, "finance", loan.number)
    book.session.add(Disbursement(
        application_id=row.id, loan_id=loan.id, amount=schedule.amount_received, channel="bank_transfer",
        bank_reference=f"DEMO{loan.id:08d}", transferred_at=at, status="completed", recorded_by=staff[Role.FINANCE],
        created_at=at, completed_at=at,
    ))
    plan.behaviour = _simulate(book, loan, schedule, plan.behaviour)
    _notify(book, loan, schedule, at)
    if loan.state == LoanState.OVERDUE.value:
        _collect(book, loan, staff[Role.COLLECTOR])


def _pending_payouts(book: _Ledger, plans: list[_Plan], finance_id: int) -> None:
    """Record the transfer of large signed applications, waiting for a second finance person."""
    for plan in plans:
        if not plan.large_payout_pending:
            continue
        row = plan.row
        schedule, _ = offer_schedule(plan.terms, row.amount, row.term, row.method, row.annual_rate, book.today)
        at = min(plan.events[-1][1] + 2 * HOUR, book.now)
        book.session.add(Disbursement(
            application_id=row.id, amount=schedule.amount_received, bank_reference=f"DEMO-P{row.id:07d}",
            transferred_at=at, recorded_by=finance_id, created_at=at,
        ))


def _notify(book: _Ledger, loan: Loan, schedule: Schedule, disbursed_at: dt.datetime) -> None:
    """Collect the inbox messages a borrower of this loan would have: payout, last payment and arrears."""
    inbox = (notifications.INBOX,)
    params = {"loan_number": loan.number, "amount": str(schedule.amount_received), "due_date": schedule.rows[0].due_date.isoformat()}
    book.messages.append((notifications.QueuedMessage(
        loan.borrower_id, "loan_disbursed", params, f"demo:loan_disbursed:{loan.id}", loan.id, inbox), disbursed_at))
    last = book.payment_rows[-1] if book.payment_rows and book.payment_rows[-1]["loan_id"] == loan.id else None
    if last is not None:
        paid = {"loan_number": loan.number, "amount": str(from_minor_units(last["amount_minor"], last["currency"])),
                "paid_date": _local(last["succeeded_at"]).date().isoformat()}
        book.messages.append((notifications.QueuedMessage(
            loan.borrower_id, "payment_received", paid, f"demo:payment_received:{last['reference']}", loan.id, inbox),
            last["succeeded_at"]))
    if loan.state == LoanState.OVERDUE.value:
        amount = loans.position_of(book.session, loan, book.today).overdue_amount
        overdue = {"loan_number": loan.number, "dpd": loan.dpd, "amount": str(amount)}
        book.messages.append((notifications.QueuedMessage(
            loan.borrower_id, "reminder_overdue", overdue, f"demo:reminder_overdue:{loan.id}", loan.id, inbox), book.now - HOUR))


def _queue_messages(book: _Ledger) -> None:
    """Queue every collected message in one call, then date each row to the event that caused it."""
    notifications.queue_many(book.session, [message for message, _ in book.messages], book.now)
    times = [
        {"key": f"{message.dedupe_key}:{notifications.INBOX}"[:160], "at": at}
        for message, at in book.messages
    ]
    if times:
        table = Notification.__table__
        book.session.execute(
            sa.update(table).where(table.c.dedupe_key == sa.bindparam("key"))
            .values(created_at=sa.bindparam("at"), sent_at=sa.bindparam("at"), scheduled_for=sa.bindparam("at")),
            times,
        )


def _collect(book: _Ledger, loan: Loan, collector_id: int) -> None:
    """Record a collector's call on most overdue loans, and a promise to pay on some."""
    rng = book.rng
    if rng.random() > 0.6:
        return
    called = book.now - dt.timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6))
    outcome = _weighted(rng, (("reached", 45), ("no_answer", 35), ("refused", 10), ("promised", 10)))
    actions = [CollectionAction(loan_id=loan.id, collector_id=collector_id, kind="call", outcome=outcome, created_at=called)]
    if outcome in ("reached", "promised") and rng.random() < 0.6:
        amount = loans.position_of(book.session, loan, book.today).overdue_amount
        actions.append(CollectionAction(
            loan_id=loan.id, collector_id=collector_id, kind="promise_to_pay", outcome="promised", promised_amount=amount,
            promised_date=book.today + dt.timedelta(days=rng.randint(1, 14)), created_at=called + MINUTE,
        ))
    book.session.add_all(actions)


# --- Entry point -------------------------------------------------------------------------------


def _counts(session: Session, column: sa.ColumnElement, *where: sa.ColumnElement) -> dict[str, int]:
    query = sa.select(column, sa.func.count()).where(*where).group_by(column)
    return {str(name): count for name, count in session.execute(query)}


def _record_job_run(session: Session, run_date: dt.date, now: dt.datetime, loans_booked: int) -> None:
    """Mark the daily job done for ``run_date``, so its catch-up starts today instead of replaying the book's history."""
    exists = session.exec(select(JobRun.id).where(JobRun.job == JOB_NAME, JobRun.run_date == run_date)).first()
    if exists is None:
        session.add(JobRun(job=JOB_NAME, run_date=run_date, status="done", stats_json=json.dumps({"demo_book_loans": loans_booked}),
                           started_at=now, finished_at=now))


def seed_demo_book(
    borrowers: int = 2000,
    *,
    today: dt.date | None = None,
    seed: int = 2026,
    engine: sa.Engine | None = None,
    registry: ModelRegistry | None = None,
) -> DemoBookResult:
    """Create a synthetic book of borrowers, applications and loans in a database without borrowers.

    Args:
        borrowers: Number of borrowers, each with one application (at most ``MAX_BORROWERS``).
        today: The business date the book ends on; today in the configured time zone by default.
        seed: Seed of the random choices; the same seed gives the same book.
        engine: Database; the configured one when omitted.
        registry: Model registry whose active model scores the applications; ``VAR_DIR/models`` by default.

    Returns:
        What was created; all counts are zero when the database already has borrowers.

    Raises:
        DemoBookError: No active credit model, or the demo products or staff accounts are missing.
        ValueError: ``borrowers`` is negative or above ``MAX_BORROWERS``.
    """
    started = time.perf_counter()
    if not 0 <= borrowers <= MAX_BORROWERS:
        raise ValueError(f"borrowers: invalid value {borrowers}; allowed 0 to {MAX_BORROWERS}")
    scorer = _load_scorer(registry)
    now = utc_now() if today is None else _at_local(today, 18, 0)
    today = today or local_today()
    rng = random.Random(seed)
    with session_scope(engine) as session:
        existing = session.exec(select(func.count()).select_from(UserAccount).where(UserAccount.role == str(Role.BORROWER))).one()
        if existing or not borrowers:
            logger.info("Demo book not seeded: %d borrower accounts exist, %d requested", existing, borrowers)
            return DemoBookResult(0, {}, {}, {}, 0, scorer.version, time.perf_counter() - started)
        staff = _staff_ids(session)
        products = _products(session, engine)
        plans = _plans(borrowers, today, now, rng, products)
        _score(plans, scorer)
        fates = _Fates()
        for plan in plans:
            _timeline(plan, rng, now, fates)
        _insert_people(session, plans)
        _insert_consents(session, plans)
        book = _Ledger(session=session, rng=rng, today=today, now=now, finance_id=staff[Role.FINANCE])
        booked = _book_loans(book, plans, staff)
        _pending_payouts(book, plans, staff[Role.FINANCE])
        if book.payment_rows:
            session.execute(sa.insert(Payment), book.payment_rows)
        _queue_messages(book)
        _insert_events(session, plans, staff)
        _record_job_run(session, today - DAY, now, booked)
        session.flush()
        result = DemoBookResult(
            borrowers=borrowers,
            applications=_counts(session, LoanApplication.status),
            loans=_counts(session, Loan.state),
            dpd_buckets=_counts(session, Loan.dpd_bucket, Loan.state.in_(sorted(loans.OPEN_STATES))),
            payments=book.payments,
            model_version=scorer.version,
            seconds=0.0,
        )
        record_audit(session, action="demo.seed_book", object_type="demo_book", object_id=str(seed),
                     after={"borrowers": borrowers, "loans": booked, "payments": book.payments, "model_version": scorer.version})
    result = dataclasses.replace(result, seconds=time.perf_counter() - started)
    logger.info("Demo book seeded: %s", result.summary())
    risk_snapshots.refresh_in_own_transaction(today, engine=engine, reference=risk_alerts.training_score_reference(registry))
    return result
