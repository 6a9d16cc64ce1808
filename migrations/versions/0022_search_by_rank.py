"""search by rank: indexes on the family name alone and its reading; on PostgreSQL the
search indexes carry the ID, so a search's first page reads no table row

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FAMILY_SQL = "substr(name_key, 1, abs(length(name_key) - length(given_key)))"
FAMILY_KANA_SQL = "substr(kana_key, 1, abs(length(kana_key) - length(given_kana_key)))"
#: The search indexes as migration 0016 and 0019 made them.
SEARCH_INDEXES = (
    ("ix_registrants_name_search", ["name_key", "status", "kana_key"]),
    ("ix_registrants_address_search", ["address_key", "status", "kana_key"]),
    ("ix_registrants_resident_no_search", ["resident_no", "status", "kana_key"]),
    ("ix_registrants_given_search", ["given_key", "status", "kana_key"]),
    ("ix_registrants_kana_search", ["kana_key", "status"]),
    ("ix_registrants_given_kana_search", ["given_kana_key", "status", "kana_key"]),
    ("ix_registrants_phone_search", ["phone_key", "status", "kana_key"]),
    ("ix_registrants_mobile_search", ["mobile_key", "status", "kana_key"]),
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    include = {"postgresql_include": ["id"]}
    if _postgresql():
        for name, columns in SEARCH_INDEXES:
            op.drop_index(name, table_name="registrants")
            op.create_index(name, "registrants", columns, **include)
    op.create_index("ix_registrants_family_search", "registrants",
                    [sa.text(FAMILY_SQL), "status", "kana_key"], **include)
    op.create_index("ix_registrants_family_kana_search", "registrants",
                    [sa.text(FAMILY_KANA_SQL), "status", "kana_key"], **include)


def downgrade() -> None:
    op.drop_index("ix_registrants_family_kana_search", table_name="registrants")
    op.drop_index("ix_registrants_family_search", table_name="registrants")
    if _postgresql():
        for name, columns in SEARCH_INDEXES:
            op.drop_index(name, table_name="registrants")
            op.create_index(name, "registrants", columns)
