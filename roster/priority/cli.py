"""`roster priority rescore`: every person's stored priority score and the counters computed
afresh, after a change of the weights in config on a large register (else the first visit
to the plan queue does it)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select
from tqdm import tqdm

from ..extensions import db
from ..models import Registrant
from . import stored


@click.group("priority")
def priority_group() -> None:
    """The plan queue's stored priority scores."""


@priority_group.command("rescore")
@with_appcontext
def rescore_command() -> None:
    """Score everyone again with the weights in config and count the counters afresh."""
    with tqdm(unit="人", desc="rescore", file=sys.stderr) as bar:
        stored.rebuild(db.session, stored.weights_now(), progress=bar)
    db.session.commit()
    people = db.session.scalar(select(func.count()).select_from(Registrant)) or 0
    click.echo(f"scored {people:,} people with the weights in config")
