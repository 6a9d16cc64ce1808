"""Fixtures: one migrated database per run, and a transaction rolled back after each test.

Set ROSTER_TEST_DATABASE_URL to run the suite on PostgreSQL; SQLite is the default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from roster import create_app
from roster.commands import alembic_config
from roster.extensions import db as database
from roster.extensions import make_engine
from roster.models import Role

from .factories import Factory

TEST_PASSWORD = "correct horse battery"


def _fresh_database(url: str) -> None:
    """An empty schema for this run: PostgreSQL's public schema is dropped and re-created."""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request starts as a real one does: an empty `g`, the database read afresh.

    The db fixture keeps one app context open for the whole test, and Flask reuses it for
    test requests, so without this `g` (and Flask-Login's cached user) would carry over.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        for name in list(g):
            g.pop(name)
        database.session.flush()
        database.session.expire_all()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("ROSTER_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'roster-test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a database brought up to date by the migrations themselves."""
    _fresh_database(database_url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": "test-audit-key",
            "IMPORT_UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
            "AUDIT_CHECKPOINT_FILE": str(tmp_path_factory.mktemp("audit") / "checkpoints.log"),
            "ARGON2_FAST": True,
            # Fixture users have no second factor; tests of the required case turn it on.
            "REQUIRE_TOTP": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        command.upgrade(alembic_config(), "head")
    yield app
    if database.engine is not None:
        database.engine.dispose()


@pytest.fixture()
def db(app: Flask) -> Iterator[Session]:
    """The request-scoped session, bound to a connection whose transaction is rolled back."""
    assert database.engine is not None
    connection = database.engine.connect()
    transaction = connection.begin()
    database.session.remove()
    database.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    with app.app_context():
        yield database.session
        database.session.remove()
    transaction.rollback()
    connection.close()
    database.session.configure(bind=database.engine, join_transaction_mode="conditional_savepoint")


@pytest.fixture()
def factory(db: Session) -> Factory:
    return Factory(db, TEST_PASSWORD)


@pytest.fixture()
def client(app: Flask, db: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask, db: Session) -> Any:
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = TEST_PASSWORD) -> Any:
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self) -> Any:
        return self.client.post("/logout")


@pytest.fixture()
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture()
def place(world: dict[str, Any], factory: Factory, db: Session, app: Flask) -> dict[str, Any]:
    """The world plus a user for the admin pages to act on; a mailing round, sent long
    enough ago that a reminder is due, for the round pages; a printed copy of the partner's
    list in the ledger; a release that has ended; and an API token of the partner's."""
    from datetime import date, timedelta

    from roster.access.fetch import as_people
    from roster.consent.catalog import reference_key
    from roster.models import ApiToken, DisasterRelease, ProvisionFormat
    from roster.models.base import utcnow
    from roster.partners.ledger import record_provision
    from roster.rounds.operations import create_round
    from roster.viewer import viewer_of

    mailing = create_round(db, world["users"]["staff"], "t", "ja", [world["unasked"].id],
                           date.today(), reference_key(app.config["SECRET_KEY"]))
    mailing.sent_on = date.today() - timedelta(days=app.config["REMINDER_AFTER_DAYS"] + 1)
    partner = world["users"]["partner"]
    viewer = viewer_of(partner, db)
    assert viewer.access is not None
    provision = record_provision(
        db, viewer, ProvisionFormat.PRINT, as_people(viewer, [world["consenting"]])
    )
    now = utcnow()
    release = DisasterRelease(
        name="テスト豪雨", legal_basis="災害対策基本法第49条の11第3項",
        starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1),
        declared_by=world["users"]["staff"], districts=[world["districts"][0]],
    )
    token = ApiToken(user=partner, agreement=world["agreement"], label="テスト連携",
                     prefix="rt_test", digest="0" * 64, created_by_id=world["users"]["staff"].id)
    db.add_all([release, token])
    db.flush()
    return {**world, "target": factory.user(Role.STAFF, "t_target"), "round": mailing,
            "provision": provision, "release": release, "token": token,
            "operation": running_operation(db, world)}


def running_operation(db: Session, world: dict[str, Any]) -> Any:
    """A safety operation over both districts, started by staff and still running."""
    from roster.safety.operations import OperationPlan, start_operation
    from roster.viewer import viewer_of

    plan = OperationPlan(name="テスト安否確認", disaster="テスト地震", districts=world["districts"])
    return start_operation(db, viewer_of(world["users"]["staff"], db), plan)


@pytest.fixture()
def world(factory: Factory) -> dict[str, Any]:
    """A small municipality: two districts, a partner organisation, one user per role."""
    return factory.world()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    Path(__file__).parent.joinpath("artifacts").mkdir(exist_ok=True)
