"""location precision and address points

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:00:00.000000

Every person gets a location precision. People placed at their district's point (approximate)
become 'district'; every other existing location was set by staff on the map or typed in, so
it becomes 'manual' and geocoding never overwrites it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRECISIONS = ('house', 'block', 'chome', 'district', 'manual')


def upgrade() -> None:
    op.create_table('address_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_points')),
    sa.UniqueConstraint('key', name=op.f('uq_address_points_key'))
    )
    with op.batch_alter_table('address_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_points_level'), ['level'], unique=False)

    precision = sa.Enum(*PRECISIONS, name='locationprecision', native_enum=False,
                        create_constraint=True, length=24)
    with op.batch_alter_table('registrants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location_precision', precision, nullable=False,
                                      server_default='district'))
    op.execute("UPDATE registrants SET location_precision = 'manual' "
               "WHERE location_approximate = false")
    with op.batch_alter_table('registrants', schema=None) as batch_op:
        batch_op.alter_column('location_precision', server_default=None)
        batch_op.create_index(batch_op.f('ix_registrants_location_precision'),
                              ['location_precision'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registrants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrants_location_precision'))
        batch_op.drop_constraint(op.f('ck_registrants_locationprecision'), type_='check')
        batch_op.drop_column('location_precision')
    with op.batch_alter_table('address_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_points_level'))
    op.drop_table('address_points')
