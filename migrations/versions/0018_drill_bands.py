"""drill bands: each person's priority band as it stood when their drill started

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('drill_bands',
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('registrant_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=1), nullable=False),
    sa.ForeignKeyConstraint(['operation_id'], ['safety_operations.id'], name=op.f('fk_drill_bands_operation_id_safety_operations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_drill_bands_registrant_id_registrants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('operation_id', 'registrant_id', name=op.f('pk_drill_bands'))
    )


def downgrade() -> None:
    op.drop_table('drill_bands')
