"""safety operations (安否確認活動) and their append-only reports

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from roster.models.consent import append_only_ddl

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here, not imported from the models, so the migration stays as written.
APPEND_ONLY = ('safety_reports',)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def _create_operations() -> None:
    op.create_table('safety_operations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('disaster', sa.Text(), nullable=False),
    sa.Column('kind', _enum('operationkind', 'real', 'drill'), nullable=False),
    sa.Column('hazard_layer_id', sa.Integer(), nullable=True),
    sa.Column('min_flood_rank', sa.Integer(), nullable=True),
    sa.Column('every_landslide_zone', sa.Boolean(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_safety_operations_ended_by_id_users')),
    sa.ForeignKeyConstraint(['hazard_layer_id'], ['hazard_layers.id'], name=op.f('fk_safety_operations_hazard_layer_id_hazard_layers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['release_id'], ['disaster_releases.id'], name=op.f('fk_safety_operations_release_id_disaster_releases')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_safety_operations_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_operations'))
    )
    op.create_table('safety_operation_districts',
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_safety_operation_districts_district_id_districts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['operation_id'], ['safety_operations.id'], name=op.f('fk_safety_operation_districts_operation_id_safety_operations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('operation_id', 'district_id', name=op.f('pk_safety_operation_districts'))
    )


def _create_reports() -> None:
    op.create_table('safety_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('registrant_id', sa.Integer(), nullable=False),
    sa.Column('status', _enum('safetystatus', 'unconfirmed', 'safe_home', 'evacuated',
                              'needs_help', 'injured', 'unreachable', 'deceased'), nullable=False),
    sa.Column('evacuated_to', _enum('evacuationplace', 'shelter', 'relatives', 'hospital',
                                    'car', 'other'), nullable=True),
    sa.Column('shelter_id', sa.Integer(), nullable=True),
    sa.Column('method', _enum('reportmethod', 'visit', 'phone', 'at_shelter',
                              'self_or_family'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['operation_id'], ['safety_operations.id'], name=op.f('fk_safety_reports_operation_id_safety_operations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_safety_reports_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_safety_reports_registrant_id_registrants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_safety_reports_reported_by_id_users')),
    sa.ForeignKeyConstraint(['shelter_id'], ['shelters.id'], name=op.f('fk_safety_reports_shelter_id_shelters'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_reports')),
    sa.UniqueConstraint('operation_id', 'client_id', name='uq_safety_reports_operation_client')
    )
    with op.batch_alter_table('safety_reports', schema=None) as batch_op:
        batch_op.create_index('ix_safety_reports_operation_registrant',
                              ['operation_id', 'registrant_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_reports_registrant_id'), ['registrant_id'],
                              unique=False)


def upgrade() -> None:
    _create_operations()
    _create_reports()
    # Reports are append-only in the database too, as consent history is (0001).
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in append_only_ddl(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    with op.batch_alter_table('safety_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_reports_registrant_id'))
        batch_op.drop_index('ix_safety_reports_operation_registrant')
    op.drop_table('safety_reports')
    op.drop_table('safety_operation_districts')
    op.drop_table('safety_operations')
