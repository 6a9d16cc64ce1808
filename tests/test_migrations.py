"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from roster.commands import alembic_config
from roster.config import PROJECT_DIR


def test_the_migrated_database_matches_the_models(app, db):
    with app.app_context():
        command.check(alembic_config())  # raises if autogenerate would write anything


def test_migrations_go_down_and_up_again_on_a_fresh_database(tmp_path):
    config = Config()
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{tmp_path / 'm.db'}")
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")


def test_rebuilding_a_table_on_sqlite_keeps_the_rows_that_point_at_it(tmp_path, app):
    """Batch mode copies, drops and renames registrants; contacts must not cascade away."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from roster.demo import load_demo
    from roster.extensions import make_engine
    from roster.models import EmergencyContact

    url = f"sqlite:///{tmp_path / 'keep.db'}"
    config = Config()
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    engine = make_engine(url)

    def contacts() -> int:
        with Session(engine) as session:
            return session.scalar(select(func.count(EmergencyContact.id))) or 0

    with app.app_context(), Session(engine) as session:
        load_demo(session, registrants=30, seed=3, password_hash="x")
        session.commit()
    before = contacts()
    assert before > 0
    command.downgrade(config, "0001")
    command.upgrade(config, "head")
    assert contacts() == before
    engine.dispose()
