"""serve the waiting review queue from a partial index; add application notes

The queue's default view lists every waiting status (in review, documents
requested, pending second approval) in submission order. The (status,
submitted_at, id) index serves one status at a time, so that view merged or
sorted tens of thousands of rows on a large book. A partial index on
(submitted_at, id) that holds only the waiting rows returns the first page
in order and stays small, because most applications are decided.

Reviewers also keep notes on an application beside its status history; the
notes are append-only, so they get their own table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 02:24:21.463168
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lendapp.db.types

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported, so the migration keeps meaning what it meant when written.
WAITING = "status IN ('in_review', 'documents_requested', 'pending_second_approval')"


def upgrade() -> None:
    op.create_table(
        'application_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.String(length=2000), nullable=False),
        sa.Column('created_at', lendapp.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['loan_application.id'], name='fk_application_note_application_id_loan_application'),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name='fk_application_note_author_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_application_note'),
    )
    with op.batch_alter_table('application_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_note_application_id'), ['application_id'], unique=False)
    with op.batch_alter_table('loan_application', schema=None) as batch_op:
        batch_op.create_index(
            'ix_loan_application_waiting', ['submitted_at', 'id'], unique=False,
            postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING),
        )


def downgrade() -> None:
    with op.batch_alter_table('application_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_note_application_id'))
    op.drop_table('application_note')
    with op.batch_alter_table('loan_application', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_application_waiting')
