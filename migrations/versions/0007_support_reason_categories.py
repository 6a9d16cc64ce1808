"""避難支援等を必要とする事由 as categories, with the old text kept as the (medical) detail

Every person gets one or more categories from the text by keyword; the whole text moves to
support_reason_detail, which only agreements with the medical group "support_reason_detail"
provide. Agreements keep their "support_reason" group, which now opens the categories only:
no existing agreement gains the detail, and their version history reads as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Frozen copy of roster.reasons.KEYWORDS as of this revision (migrations never import app
#: code, which may change later): category code -> keywords, in the categories' order.
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("elderly_care", (
        "要介護", "介護度", "要支援1", "要支援2", "高齢", "独居", "認知症", "care_", "support_",
    )),
    ("physical", (
        "身体", "肢体", "車椅子", "車いす", "車イス", "視覚", "聴覚", "難聴", "白杖", "手話",
        "麻痺", "まひ",
    )),
    ("intellectual", ("療育", "知的", "愛の手帳")),
    ("mental", ("精神", "統合失調", "うつ病", "発達障害", "高次脳機能")),
    ("medical_care", (
        "人工呼吸器", "呼吸器", "透析", "酸素", "難病", "医療的ケア", "吸引", "胃ろう", "経管",
        "インスリン", "ストーマ", "人工肛門", "ペースメーカー",
    )),
    ("infant_pregnant", ("乳幼児", "乳児", "幼児", "妊産婦", "妊婦", "妊娠", "出産")),
    ("foreign", ("外国", "日本語")),
)
CATEGORIES = tuple(code for code, _ in KEYWORDS) + ("other",)
COLUMNS = tuple(f"reason_{code}" for code in CATEGORIES)
BATCH = 5000


def categorise(text: str | None) -> tuple[str, ...]:
    """The category codes the text names; ("other",) when none."""
    normal = unicodedata.normalize("NFKC", text or "")
    found = tuple(code for code, words in KEYWORDS if any(w in normal for w in words))
    return found or ("other",)


def upgrade() -> None:
    with op.batch_alter_table("registrants", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Boolean(), nullable=True))
        batch_op.alter_column(
            "support_reason",
            new_column_name="support_reason_detail",
            existing_type=sa.Text(),
            nullable=True,
        )
    counts = _fill_categories(op.get_bind())
    with op.batch_alter_table("registrants", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.Boolean(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_registrants_{column}"), [column], unique=False)
        batch_op.create_check_constraint("support_reason", " OR ".join(COLUMNS))
    _report(counts)


def _fill_categories(bind: sa.engine.Connection) -> dict[str, int]:
    """Set every person's categories from the text; the text itself stays as the detail."""
    table = sa.table(
        "registrants",
        sa.column("id", sa.Integer()),
        sa.column("support_reason_detail", sa.Text()),
        *(sa.column(c, sa.Boolean()) for c in COLUMNS),
    )
    rows = bind.execute(sa.select(table.c.id, table.c.support_reason_detail)).all()
    counts = dict.fromkeys(CATEGORIES, 0)
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values({c: sa.bindparam(f"b_{c}") for c in COLUMNS})
    )
    params = []
    for row_id, text in rows:
        found = categorise(text)
        for code in found:
            counts[code] += 1
        params.append({"b_id": row_id, **{f"b_reason_{c}": c in found for c in CATEGORIES}})
    for start in range(0, len(params), BATCH):
        bind.execute(statement, params[start : start + BATCH])
    counts["total"] = len(rows)
    return counts


def _report(counts: dict[str, int]) -> None:
    print(f"support reasons: {counts.pop('total')} people categorised")  # noqa: T201
    for code, number in counts.items():
        print(f"  {code}: {number}")  # noqa: T201
    print(f"  fell to other (no keyword matched): {counts['other']}")  # noqa: T201


NAMES = {
    "elderly_care": "高齢・要介護", "physical": "身体障害", "intellectual": "知的障害",
    "mental": "精神障害", "medical_care": "難病・医療的ケア", "infant_pregnant": "乳幼児・妊産婦",
    "foreign": "外国人", "other": "その他",
}


def downgrade() -> None:
    """Back to one required text: the detail, or the category names where there is none."""
    _name_undetailed(op.get_bind())
    with op.batch_alter_table("registrants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_registrants_support_reason"), type_="check")
        for column in COLUMNS:
            batch_op.drop_index(batch_op.f(f"ix_registrants_{column}"))
            batch_op.drop_column(column)
        batch_op.alter_column(
            "support_reason_detail",
            new_column_name="support_reason",
            existing_type=sa.Text(),
            nullable=False,
        )


def _name_undetailed(bind: sa.engine.Connection) -> None:
    table = sa.table(
        "registrants",
        sa.column("id", sa.Integer()),
        sa.column("support_reason_detail", sa.Text()),
        *(sa.column(c, sa.Boolean()) for c in COLUMNS),
    )
    empty = sa.or_(table.c.support_reason_detail.is_(None), table.c.support_reason_detail == "")
    rows = bind.execute(sa.select(table).where(empty)).mappings().all()
    params = [
        {
            "b_id": row["id"],
            "b_text": "、".join(NAMES[c] for c in CATEGORIES if row[f"reason_{c}"]) or "その他",
        }
        for row in rows
    ]
    if params:
        bind.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values(support_reason_detail=sa.bindparam("b_text")),
            params,
        )
