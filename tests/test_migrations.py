"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from roster.cli import alembic_config
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
