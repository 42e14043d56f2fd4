"""index loan_application.device_id for the review page's linked applicants

The review page lists other borrowers' applications that share an
identifier with the one under review. The ID number, phone and bank card
hashes each had an index, but the device fingerprint did not, so that one
lookup read the whole table for every application a reviewer opened.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 11:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('loan_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_application_device_id'), ['device_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('loan_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_application_device_id'))
