"""hand-offs of people not reached in a safety operation (to a team, fire or police)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('safety_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('registrant_id', sa.Integer(), nullable=False),
    sa.Column('to_kind', sa.Enum('team', 'fire', 'police', name='handoffkind', native_enum=False,
                                 create_constraint=True, length=24), nullable=False),
    sa.Column('to_name', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_safety_handoffs_by_id_users')),
    sa.ForeignKeyConstraint(['operation_id'], ['safety_operations.id'], name=op.f('fk_safety_handoffs_operation_id_safety_operations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_safety_handoffs_registrant_id_registrants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_handoffs'))
    )
    with op.batch_alter_table('safety_handoffs', schema=None) as batch_op:
        batch_op.create_index('ix_safety_handoffs_operation_registrant',
                              ['operation_id', 'registrant_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('safety_handoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_handoffs_operation_registrant')
    op.drop_table('safety_handoffs')
