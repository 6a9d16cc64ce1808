"""stored priority: each person's score and plan state in columns, coverage counters; an
index for searches by reading

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 01:00:00

The scores are computed by the app the first time the queue or coverage is read (the
weights row is missing until then), or by `roster priority rescore`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('registrants') as batch:
        batch.add_column(sa.Column('priority_score', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('plan_state', sa.String(length=8), server_default='none', nullable=False))
        batch.add_column(sa.Column('in_queue', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('counted_district_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('counted_status', sa.String(length=20), nullable=True))
    op.create_index('ix_registrants_queue', 'registrants',
                    ['in_queue', sa.literal_column('priority_score DESC'), 'id'])
    op.create_index('ix_registrants_queue_district', 'registrants',
                    ['in_queue', 'district_id', sa.literal_column('priority_score DESC'), 'id'])
    # A search by reading starts at the reading (the status and reading index starts at the
    # status, which a staff search does not filter by).
    op.create_index('ix_registrants_kana_search', 'registrants', ['kana_key', 'status'])
    op.create_table('priority_counts',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('plan_state', sa.String(length=8), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('district_id', 'status', 'score', 'plan_state', name=op.f('pk_priority_counts'))
    )
    op.create_table('priority_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weights', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_settings'))
    )


def downgrade() -> None:
    op.drop_table('priority_settings')
    op.drop_table('priority_counts')
    op.drop_index('ix_registrants_kana_search', table_name='registrants')
    op.drop_index('ix_registrants_queue_district', table_name='registrants')
    op.drop_index('ix_registrants_queue', table_name='registrants')
    with op.batch_alter_table('registrants') as batch:
        batch.drop_column('counted_status')
        batch.drop_column('counted_district_id')
        batch.drop_column('in_queue')
        batch.drop_column('plan_state')
        batch.drop_column('priority_score')
