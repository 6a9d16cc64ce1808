"""`roster plans …`: plan commands for cron and staff."""

from __future__ import annotations

import click

from ..extensions import db
from ..i18n import local_today
from .review import flag_reviews


@click.group("plans")
def plans_group() -> None:
    """Individual evacuation plans."""


@plans_group.command("flag-reviews")
def flag_reviews_command() -> None:
    """Mark agreed plans that need review (review date come, or the person's address,
    needs or destination shelter changed since the plan was made)."""
    count = flag_reviews(db.session, local_today())
    db.session.commit()
    click.echo(f"plans flagged for review: {count}")
