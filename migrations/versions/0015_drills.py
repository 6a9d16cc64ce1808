"""drills: scenarios and their objectives, shelter openings, review flags, corrective
actions, and the findings of a drill's reports

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 02:03:09.895735
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('drill_scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('planned_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('planned_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hazard', sa.Enum('earthquake', 'flood', 'landslide', 'tsunami', 'fire', 'other', name='drillhazard', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('hazard_layer_id', sa.Integer(), nullable=True),
    sa.Column('min_flood_rank', sa.Integer(), nullable=True),
    sa.Column('every_landslide_zone', sa.Boolean(), nullable=False),
    sa.Column('simulate_release', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=True),
    sa.Column('overview', sa.Text(), nullable=False),
    sa.Column('strengths', sa.Text(), nullable=False),
    sa.Column('improvements', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_drill_scenarios_created_by_id_users')),
    sa.ForeignKeyConstraint(['hazard_layer_id'], ['hazard_layers.id'], name=op.f('fk_drill_scenarios_hazard_layer_id_hazard_layers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['operation_id'], ['safety_operations.id'], name=op.f('fk_drill_scenarios_operation_id_safety_operations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_scenarios')),
    sa.UniqueConstraint('operation_id', name=op.f('uq_drill_scenarios_operation_id'))
    )
    op.create_table('drill_shelter_openings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('shelter_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['operation_id'], ['safety_operations.id'], name=op.f('fk_drill_shelter_openings_operation_id_safety_operations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_drill_shelter_openings_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['shelter_id'], ['shelters.id'], name=op.f('fk_drill_shelter_openings_shelter_id_shelters'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_shelter_openings'))
    )
    with op.batch_alter_table('drill_shelter_openings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_shelter_openings_operation_id'), ['operation_id'], unique=False)

    op.create_table('corrective_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', name='actionstatus', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_corrective_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['scenario_id'], ['drill_scenarios.id'], name=op.f('fk_corrective_actions_scenario_id_drill_scenarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_actions'))
    )
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrective_actions_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('drill_objectives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('share_confirmed', 'ventilator_reached', 'shelters_opened', name='objectivekind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('band', sa.String(length=1), nullable=True),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['drill_scenarios.id'], name=op.f('fk_drill_objectives_scenario_id_drill_scenarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_objectives'))
    )
    with op.batch_alter_table('drill_objectives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_objectives_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('drill_scenario_districts',
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_drill_scenario_districts_district_id_districts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['scenario_id'], ['drill_scenarios.id'], name=op.f('fk_drill_scenario_districts_scenario_id_drill_scenarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('scenario_id', 'district_id', name=op.f('pk_drill_scenario_districts'))
    )
    op.create_table('drill_scenario_organisations',
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_drill_scenario_organisations_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['scenario_id'], ['drill_scenarios.id'], name=op.f('fk_drill_scenario_organisations_scenario_id_drill_scenarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('scenario_id', 'organisation_id', name=op.f('pk_drill_scenario_organisations'))
    )
    op.create_table('review_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registrant_id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('finding', sa.Enum('wrong_phone', 'no_answer', 'supporter_unavailable', 'not_at_home', 'route_blocked', 'destination_unsuitable', 'equipment_problem', 'other', name='finding', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cleared_by_id'], ['users.id'], name=op.f('fk_review_flags_cleared_by_id_users')),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'], name=op.f('fk_review_flags_registrant_id_registrants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['safety_reports.id'], name=op.f('fk_review_flags_report_id_safety_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scenario_id'], ['drill_scenarios.id'], name=op.f('fk_review_flags_scenario_id_drill_scenarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_flags'))
    )
    with op.batch_alter_table('review_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_flags_registrant_id'), ['registrant_id'], unique=False)

    # Added in place, not through a copy of the table, so its append-only triggers stay.
    op.add_column('safety_reports',
                  sa.Column('findings', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    op.drop_column('safety_reports', 'findings')

    with op.batch_alter_table('review_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_flags_registrant_id'))

    op.drop_table('review_flags')
    op.drop_table('drill_scenario_organisations')
    op.drop_table('drill_scenario_districts')
    with op.batch_alter_table('drill_objectives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_objectives_scenario_id'))

    op.drop_table('drill_objectives')
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corrective_actions_scenario_id'))

    op.drop_table('corrective_actions')
    with op.batch_alter_table('drill_shelter_openings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_shelter_openings_operation_id'))

    op.drop_table('drill_shelter_openings')
    op.drop_table('drill_scenarios')
