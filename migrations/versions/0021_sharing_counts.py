"""sharing counters: people per district, status, consent state and consent scope, so a
partner's list is counted from counters under the access rule's own condition

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 03:30:00

The counters are filled here from what each person is already counted under, in SQL, so no
request has to count a large register again after the upgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrants") as batch:
        batch.add_column(sa.Column("counted_consent_state", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("counted_consent_scope", sa.Integer(), nullable=True))
    op.create_table(
        "sharing_counts",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("consent_state", sa.String(length=24), nullable=False),
        sa.Column("consent_scope", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "district_id",
            "status",
            "consent_state",
            "consent_scope",
            name=op.f("pk_sharing_counts"),
        ),
    )
    op.execute(
        sa.text(
            "UPDATE registrants SET counted_consent_state = consent_state, "
            "counted_consent_scope = consent_scope WHERE counted_status IS NOT NULL"
        )
    )
    op.execute(
        sa.text(
            "INSERT INTO sharing_counts "
            "(district_id, status, consent_state, consent_scope, people) "
            "SELECT counted_district_id, counted_status, counted_consent_state, "
            "counted_consent_scope, count(*) FROM registrants WHERE counted_status IS NOT NULL "
            "GROUP BY counted_district_id, counted_status, counted_consent_state, "
            "counted_consent_scope"
        )
    )


def downgrade() -> None:
    op.drop_table("sharing_counts")
    with op.batch_alter_table("registrants") as batch:
        batch.drop_column("counted_consent_scope")
        batch.drop_column("counted_consent_state")
