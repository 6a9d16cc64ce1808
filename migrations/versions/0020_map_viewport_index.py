"""map viewport index: the active people in a map's view read from an index

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 02:00:00

The map asks for the people (or their counts per cell) inside the view as it moves: a
range on latitude and longitude among the active people, answered from this index.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_registrants_map', 'registrants', ['status', 'latitude', 'longitude'])


def downgrade() -> None:
    op.drop_index('ix_registrants_map', table_name='registrants')
