"""Every table lendapp stores; importing this package registers them all.

Alembic's autogenerate and the tests compare ``SQLModel.metadata`` against the
migrations, so a new table module must be imported here.
"""

from lendapp.db.models.account import UserAccount
from lendapp.db.models.product import LoanProduct

ALL_TABLES = (UserAccount, LoanProduct)

__all__ = ["ALL_TABLES", "LoanProduct", "UserAccount"]
