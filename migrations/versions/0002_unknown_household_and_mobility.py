"""People imported from the source systems may have household and mobility not yet known

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOUSEHOLD = ("alone", "elderly_only", "with_others")
MOBILITY = ("independent", "cane_walker", "wheelchair", "bedridden")


def _check(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_checks(household: tuple[str, ...], mobility: tuple[str, ...]) -> None:
    with op.batch_alter_table("registrants", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_registrants_household"), type_="check")
        batch_op.drop_constraint(op.f("ck_registrants_mobility"), type_="check")
        batch_op.create_check_constraint("household", _check("household", household))
        batch_op.create_check_constraint("mobility", _check("mobility", mobility))


def upgrade() -> None:
    _replace_checks(HOUSEHOLD + ("unknown",), MOBILITY + ("unknown",))


def downgrade() -> None:
    op.execute("UPDATE registrants SET household = 'with_others' WHERE household = 'unknown'")
    op.execute("UPDATE registrants SET mobility = 'independent' WHERE mobility = 'unknown'")
    _replace_checks(HOUSEHOLD, MOBILITY)
