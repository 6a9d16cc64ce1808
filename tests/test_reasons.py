"""避難支援等を必要とする事由: keyword rules, the migration that made categories of the old
text, the import that derives them, and the form that requires one."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from roster.config import PROJECT_DIR
from roster.extensions import make_engine
from roster.models import Registrant, SupportReason
from roster.reasons import categorise

from .conftest import AuthActions, IsolatedClient
from .test_registrants import new_person

_R = SupportReason
MIGRATION = PROJECT_DIR / "migrations" / "versions" / "0007_support_reason_categories.py"


def _migration() -> Any:
    spec = importlib.util.spec_from_file_location("migration_0007", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Old-style 事由 text -> the categories the keyword rules give it.
TABLE: list[tuple[str, set[SupportReason]]] = [
    ("要介護3、車椅子使用。独居のため避難時に車椅子の介助が必要。", {_R.ELDERLY_CARE, _R.PHYSICAL}),
    ("高齢者のみの世帯", {_R.ELDERLY_CARE}),
    ("認知症あり。避難時に声かけが必要。", {_R.ELDERLY_CARE}),
    ("身体障害者手帳1級、人工透析（週3回通院）", {_R.PHYSICAL, _R.MEDICAL_CARE}),
    ("車いす", {_R.PHYSICAL}),
    ("車ｲｽ 使用", {_R.PHYSICAL}),  # half-width katakana, read after NFKC
    ("視覚障害（白杖使用）", {_R.PHYSICAL}),
    ("療育手帳A", {_R.INTELLECTUAL}),
    ("愛の手帳2度", {_R.INTELLECTUAL}),
    ("知的障害あり", {_R.INTELLECTUAL}),
    ("精神障害者保健福祉手帳2級", {_R.MENTAL}),
    ("統合失調症で服薬中", {_R.MENTAL}),
    ("在宅人工呼吸器使用", {_R.MEDICAL_CARE}),
    ("在宅酸素療法中", {_R.MEDICAL_CARE}),
    ("指定難病、たんの吸引が必要", {_R.MEDICAL_CARE}),
    ("医療的ケア児", {_R.MEDICAL_CARE}),
    ("乳幼児がいる世帯", {_R.INFANT_PREGNANT}),
    ("妊婦（妊娠8か月）", {_R.INFANT_PREGNANT}),
    ("外国籍", {_R.FOREIGN}),
    ("日本語での会話が難しい（ベトナム語）", {_R.FOREIGN}),
    ("care_3、障害者手帳 身体1級", {_R.ELDERLY_CARE, _R.PHYSICAL}),  # the import's old text
    ("歩行困難。", {_R.OTHER}),
    ("名簿対象者（住民記録・福祉システムより抽出）", {_R.OTHER}),
    ("", {_R.OTHER}),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_the_keyword_rules_give_each_text_its_categories(
    text: str, expected: set[SupportReason]
) -> None:
    assert set(categorise(text)) == expected


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_the_migrations_frozen_rules_give_the_same_categories(
    text: str, expected: set[SupportReason]
) -> None:
    assert set(_migration().categorise(text)) == {c.value for c in expected}


# --- the migration on a database with old-style text ---------------------------------------

OLD_TEXTS = {
    0: "身体障害者手帳1級、人工透析。インスリンポンプ使用、認知症あり。",
    1: "療育手帳A。",
    2: "歩行困難。",
}


@contextmanager
def migrating(database_url: str, app: Flask, tmp_path: Path) -> Iterator[
    tuple[Config, Callable[[], Connection]]
]:
    """An Alembic config on a database of this run's kind: a file of its own on SQLite; on
    PostgreSQL, one connection whose transaction is rolled back afterwards (DDL included)."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    if not database_url.startswith("postgresql"):
        url = f"sqlite:///{tmp_path / 'reasons.db'}"
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, "head")
        engine = make_engine(url)
        with engine.connect() as conn:
            yield config, lambda: conn
        engine.dispose()
        return
    engine = make_engine(database_url)
    with engine.connect() as conn, conn.begin() as outer:
        config.attributes["connection"] = conn
        yield config, lambda: conn
        outer.rollback()
    engine.dispose()


def test_the_migration_sets_categories_and_keeps_the_old_text_as_the_detail(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    from roster.demo import load_demo

    with migrating(database_url, app, tmp_path) as (config, connection):
        conn = connection()
        with app.app_context():
            session = Session(bind=conn, join_transaction_mode="create_savepoint")
            load_demo(session, registrants=12, seed=5, password_hash="x")
            ids = sorted(session.scalars(select(Registrant.id)))[:3]
            session.commit()  # the savepoint only: the connection's transaction decides
        conn.commit() if not database_url.startswith("postgresql") else None
        command.downgrade(config, "0006")
        for i, old in OLD_TEXTS.items():
            conn.execute(
                text("UPDATE registrants SET support_reason = :t WHERE id = :i"),
                {"t": old, "i": ids[i]},
            )
        conn.commit() if not database_url.startswith("postgresql") else None
        command.upgrade(config, "0007")
        rows = {
            r.id: r
            for r in conn.execute(text("SELECT * FROM registrants WHERE id IN (:a, :b, :c)"),
                                  dict(zip("abc", ids, strict=True)))
        }
    got = {i: {c for c in _R if rows[ids[i]]._mapping[f"reason_{c.value}"]} for i in OLD_TEXTS}
    assert got == {
        0: {_R.ELDERLY_CARE, _R.PHYSICAL, _R.MEDICAL_CARE},
        1: {_R.INTELLECTUAL},
        2: {_R.OTHER},
    }
    assert {i: rows[ids[i]].support_reason_detail for i in OLD_TEXTS} == OLD_TEXTS


def test_an_agreement_with_the_old_reason_group_opens_the_categories_only() -> None:
    from roster.access.fields import agreement_fields

    keys = agreement_fields(["name", "support_reason"])
    assert "support_categories" in keys
    assert "support_reason_detail" not in keys


# --- the eligibility import and the form -----------------------------------------------------


def test_the_import_derives_categories_keeps_the_text_as_detail_and_counts_other(
    db: Any, world: dict[str, Any]
) -> None:
    from roster.imports.operations import NewPerson, support_categories
    from roster.imports.parsing import ImportRecord

    def record(reason: str | None, certificate: str | None = None) -> Any:
        fields = {name: None for name in ImportRecord.__dataclass_fields__}
        fields.update(row=2, support_reason=reason, disability_certificate=certificate)
        return ImportRecord(**fields)

    assert support_categories(record("人工呼吸器使用")) == [_R.MEDICAL_CARE]
    assert support_categories(record(None, "療育B")) == [_R.INTELLECTUAL]
    assert support_categories(record("歩行困難")) == [_R.OTHER]
    assert support_categories(record(None)) == [_R.OTHER]
    person = NewPerson(record("歩行困難"), world["districts"][0].id, [_R.OTHER])
    assert person.reason_unmatched


def test_a_person_saved_without_any_reason_category_is_refused_and_nothing_saved(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    before = db.scalar(select(Registrant.id).order_by(Registrant.id.desc()))
    data = new_person(world["districts"][0], reason_elderly_care=None)
    response = client.post("/registrants/new", data=data)
    assert response.status_code == 422
    assert db.scalar(select(Registrant.id).order_by(Registrant.id.desc())) == before
    page = response.get_data(as_text=True)
    assert "Tick at least one reason" in page or "区分を1つ以上選んでください" in page
