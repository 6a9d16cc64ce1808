"""The `roster` command: Flask's CLI group around the app, with the register's own commands
(roster.commands, added by create_app)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from . import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """Roster: the register of people who need help to evacuate."""


if __name__ == "__main__":
    main()
