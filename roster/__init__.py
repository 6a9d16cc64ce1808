"""Roster: the register of people who need help to evacuate (避難行動要支援者名簿)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .config import PROJECT_DIR, flask_settings, load_file
from .files import private_tree


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from config.toml (or ROSTER_CONFIG), the environment and test overrides."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    # Keys, uploads, signed agreements and the database live here: owner-only, always.
    private_tree(Path(app.instance_path))
    app.config.from_mapping(flask_settings(load_file(), Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    register_parts(app)
    return app


def register_parts(app: Flask) -> None:
    """Put the app together, in this order: the database, sign-in, CSRF and headers; refused
    requests and audit checkpoints; languages; the views' URL converters and template
    globals; the blueprints; the error pages; the schema check; the commands."""
    from . import blueprints, commands, errors, i18n, schema, security, web
    from .audit import checkpoints, refusals
    from .priority import stored  # noqa: F401 - the hooks that keep stored scores current

    for part in (security, refusals, checkpoints, i18n, web, blueprints, errors, schema, commands):
        part.register(app)
