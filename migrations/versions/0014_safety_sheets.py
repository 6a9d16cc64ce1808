"""paper check sheets of a safety operation, and the organisation running a shelter

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create_sheets() -> None:
    op.create_table('safety_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('provision_id', sa.Integer(), nullable=True),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_safety_sheets_district_id_districts')),
    sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_safety_sheets_made_by_id_users')),
    sa.ForeignKeyConstraint(['operation_id'], ['safety_operations.id'], name=op.f('fk_safety_sheets_operation_id_safety_operations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_safety_sheets_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['provision_id'], ['provisions.id'], name=op.f('fk_safety_sheets_provision_id_provisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_sheets'))
    )
    with op.batch_alter_table('safety_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_sheets_operation_id'), ['operation_id'],
                              unique=False)
    op.create_table('safety_sheet_lines',
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('registrant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_safety_sheet_lines_registrant_id_registrants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sheet_id'], ['safety_sheets.id'], name=op.f('fk_safety_sheet_lines_sheet_id_safety_sheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sheet_id', 'line', name=op.f('pk_safety_sheet_lines'))
    )
    with op.batch_alter_table('safety_sheet_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_sheet_lines_registrant_id'),
                              ['registrant_id'], unique=False)


def upgrade() -> None:
    _create_sheets()
    with op.batch_alter_table('shelters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_shelters_operator_organisation_id_organisations'),
            'organisations', ['operator_organisation_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('shelters', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_shelters_operator_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_column('operator_organisation_id')
    with op.batch_alter_table('safety_sheet_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_sheet_lines_registrant_id'))
    op.drop_table('safety_sheet_lines')
    with op.batch_alter_table('safety_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_sheets_operation_id'))
    op.drop_table('safety_sheets')
