"""Demo data for an empty database: loan products, site content, one staff account per role and a demo book."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import func, select

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanProduct, SiteContent, UserAccount
from lendapp.domain.roles import STAFF_ROLES, Role
from lendapp.risk.registry import ModelRegistry
from lendapp.services.demo_book import DemoBookError, DemoBookResult, seed_demo_book
from lendapp.services.passwords import hash_password

logger = logging.getLogger(__name__)

# One product per segment lendapp serves. Rates are annual fractions, amounts yuan.
DEMO_PRODUCTS = (
    dict(
        code="consumer-flex", segment="consumer", method="equal_installment", sort_order=1,
        name_zh="随心消费贷", name_en="Flexi consumer loan",
        summary_zh="日常消费与大额购物，按月等额还款。",
        summary_en="Everyday and larger purchases, repaid in equal monthly installments.",
        min_amount=Decimal("1000"), max_amount=Decimal("200000"), min_term_months=3, max_term_months=36,
        min_annual_rate=Decimal("0.072"), max_annual_rate=Decimal("0.18"), upfront_fee_rate=Decimal("0"),
        penalty_daily_rate=Decimal("0.0005"), grace_days=3, min_age=22, max_age=55,
    ),
    dict(
        code="business-working-capital", segment="small_business", method="equal_principal", sort_order=2,
        name_zh="小微经营贷", name_en="Small business working capital",
        summary_zh="个体工商户和小微企业主的周转资金。",
        summary_en="Working capital for sole traders and small business owners.",
        min_amount=Decimal("10000"), max_amount=Decimal("300000"), min_term_months=6, max_term_months=36,
        min_annual_rate=Decimal("0.06"), max_annual_rate=Decimal("0.15"), upfront_fee_rate=Decimal("0.01"),
        penalty_daily_rate=Decimal("0.0005"), grace_days=3, min_age=22, max_age=60,
    ),
    dict(
        code="agri-season", segment="agricultural", method="interest_only", sort_order=3,
        name_zh="春耕农户贷", name_en="Seasonal farm loan",
        summary_zh="种子、化肥、农机投入，先息后本，收获后还本。",
        summary_en="Seed, fertiliser and machinery: interest monthly, principal after the harvest.",
        min_amount=Decimal("5000"), max_amount=Decimal("100000"), min_term_months=6, max_term_months=12,
        min_annual_rate=Decimal("0.048"), max_annual_rate=Decimal("0.096"), upfront_fee_rate=Decimal("0"),
        penalty_daily_rate=Decimal("0.0003"), grace_days=5, min_age=18, max_age=65,
    ),
    dict(
        code="education-study", segment="education", method="equal_installment", sort_order=4,
        name_zh="助学成长贷", name_en="Study loan",
        summary_zh="学费与职业培训，灵活期限。",
        summary_en="Tuition and vocational training with flexible terms.",
        min_amount=Decimal("2000"), max_amount=Decimal("80000"), min_term_months=6, max_term_months=48,
        min_annual_rate=Decimal("0.042"), max_annual_rate=Decimal("0.096"), upfront_fee_rate=Decimal("0"),
        penalty_daily_rate=Decimal("0.0003"), grace_days=7, min_age=18, max_age=45,
    ),
)


def _entry(key: str, kind: str, order: int, title_zh: str, title_en: str, body_zh: str = "", body_en: str = "") -> dict:
    return dict(key=key, kind=kind, sort_order=order, title_zh=title_zh, title_en=title_en, body_zh=body_zh, body_en=body_en)


# Public site content. Partner and licence entries are placeholders, marked as
# demo data, because an operator must enter its own licence and partners.
DEMO_CONTENT = (
    _entry(
        "faq.apr", "faq", 1, "年化利率（APR）是怎么算的？", "How is the APR calculated?",
        "我们把放款、每期还款和全部费用放在一起，计算内部收益率（IRR），再乘以每年的期数得到年化利率；复利口径同时列出。",
        "We take the payout, every installment and every fee, compute their internal rate of return (IRR) and multiply it "
        "by the periods in a year. The compounded rate is shown beside it.",
    ),
    _entry(
        "faq.fees", "faq", 2, "除了利息还有哪些费用？", "Are there fees besides interest?",
        "部分产品收取一次性服务费，在放款时从到账金额中扣除，并已计入年化利率。没有其他隐藏费用。",
        "Some products charge a one-off service fee, deducted from the amount paid out and included in the APR. "
        "There are no other charges.",
    ),
    _entry(
        "faq.early_repayment", "faq", 3, "可以提前还款吗？", "Can I repay early?",
        "可以。提前还款只需支付到还款日为止的利息，剩余期数的利息不再收取。",
        "Yes. Early repayment costs only the interest up to the day you repay; no interest is charged for the remaining periods.",
    ),
    _entry(
        "faq.overdue", "faq", 4, "逾期会怎样？", "What happens if I pay late?",
        "还款日后有宽限期，宽限期内不收罚息。超过宽限期后，按产品页面列明的日罚息率对逾期本金计收罚息，并可能影响征信记录。",
        "Each due date has a grace period without penalty interest. After it, penalty interest accrues daily on the overdue "
        "principal at the rate shown on the product page, and the late payment may be reported to the credit bureau.",
    ),
    _entry(
        "faq.documents", "faq", 5, "申请需要准备什么？", "What do I need to apply?",
        "本人有效身份证、本人实名手机号和本人银行卡。经营贷还需营业执照。",
        "Your resident ID card, a mobile number registered in your name and your own bank card. "
        "Small business loans also need a business licence.",
    ),
    _entry(
        "faq.privacy", "faq", 6, "我的个人信息如何保护？", "How is my personal information protected?",
        "我们只为贷款审批和管理收集必要信息，每项用途单独征得您的同意，您可以随时撤回或申请导出、删除。",
        "We collect only what lending needs, ask your consent separately for each purpose, and you may withdraw it or ask "
        "for an export or deletion at any time.",
    ),
    _entry(
        "story.tea_farm", "story", 1, "云南茶农李女士", "Ms Li, tea farmer in Yunnan",
        "春耕农户贷帮我在采茶季前买了新的揉捻机，收茶后一次还清本金，每月只付利息，压力小多了。",
        "The seasonal farm loan paid for a new rolling machine before the picking season. I paid interest monthly and the "
        "principal after the harvest.",
    ),
    _entry(
        "story.noodle_shop", "story", 2, "成都面馆店主王先生", "Mr Wang, noodle shop owner in Chengdu",
        "经营贷让我在旺季前备足了货，利率和服务费申请前就写得清清楚楚。",
        "The business loan let me stock up before the busy season, and the rate and fee were clear before I applied.",
    ),
    _entry("partner.bank", "partner", 1, "示例合作银行（演示数据）", "Example partner bank (demo data)"),
    _entry("partner.guarantee", "partner", 2, "示例融资担保公司（演示数据）", "Example guarantee company (demo data)"),
    _entry("partner.payments", "partner", 3, "示例持牌支付机构（演示数据）", "Example licensed payment institution (demo data)"),
    _entry("licence.operator", "licence", 1, "运营主体", "Operator", "示例小额贷款有限公司（演示数据）", "Example Microfinance Co., Ltd. (demo data)"),
    _entry("licence.number", "licence", 2, "经营许可证编号", "Licence number", "DEMO-0000-0000", "DEMO-0000-0000"),
    _entry("licence.regulator", "licence", 3, "监管机构", "Regulator", "所在地地方金融管理部门", "Local financial regulatory authority"),
    _entry("licence.complaints", "licence", 4, "投诉电话", "Complaints line", "400-000-0000（演示号码）", "400-000-0000 (demo number)"),
)


@dataclasses.dataclass(frozen=True)
class SeedResult:
    """What a seed run created; passwords are shown once and never stored in plain text."""

    products_created: int
    staff_passwords: dict[str, str]
    content_created: int = 0
    book: DemoBookResult | None = None
    book_skipped_reason: str = ""


def seed_demo_data(engine: sa.Engine | None = None, borrowers: int = 2000, registry: ModelRegistry | None = None) -> SeedResult:
    """Insert demo products, site content and staff accounts into tables that are still empty, then a demo book.

    The demo book (``lendapp.services.demo_book``) of ``borrowers`` synthetic
    borrowers is added only while there are no borrower accounts. Without an
    active credit model it is skipped with the reason in the result, so the
    rest of the demo data is still seeded. Running it again changes nothing,
    so ``make run`` can call it on every start.
    """
    products_created = 0
    content_created = 0
    passwords: dict[str, str] = {}
    with session_scope(engine) as session:
        if session.exec(select(func.count()).select_from(LoanProduct)).one() == 0:
            for values in DEMO_PRODUCTS:
                session.add(LoanProduct(**values))
            products_created = len(DEMO_PRODUCTS)
        if session.exec(select(func.count()).select_from(SiteContent)).one() == 0:
            for values in DEMO_CONTENT:
                session.add(SiteContent(**values))
            content_created = len(DEMO_CONTENT)
        has_staff = session.exec(
            select(func.count()).select_from(UserAccount).where(UserAccount.role.in_([str(r) for r in STAFF_ROLES]))
        ).one()
        if has_staff == 0:
            for role in STAFF_ROLES:
                password = secrets.token_urlsafe(12)
                session.add(
                    UserAccount(role=str(role), login=f"demo_{role}", display_name=f"Demo {role}", password_hash=hash_password(password))
                )
                passwords[f"demo_{role}"] = password
        has_borrowers = session.exec(
            select(func.count()).select_from(UserAccount).where(UserAccount.role == str(Role.BORROWER))
        ).one()
    logger.info(
        "Seed finished: %d products, %d content entries, %d staff accounts created",
        products_created, content_created, len(passwords),
    )
    book, skipped = None, ""
    if borrowers > 0 and has_borrowers == 0:
        try:
            book = seed_demo_book(borrowers, engine=engine, registry=registry)
        except DemoBookError as error:
            logger.warning("Demo book skipped: %s", error)
            skipped = str(error)
    return SeedResult(
        products_created=products_created, staff_passwords=passwords, content_created=content_created,
        book=book, book_skipped_reason=skipped,
    )
