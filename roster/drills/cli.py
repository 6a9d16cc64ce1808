"""`roster drill`: start and end a drill from the command line, for when the web pages
cannot be reached. Both act as a named staff or drill-planner account (--as), audited as on
the pages, and print counts only, never a person."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import func

from ..extensions import db
from ..models import DrillScenario, Role
from ..safety.cli import acting_as
from ..safety.operations import SafetyRefused, targets_query
from ..schema import needs_current_schema
from .running import DrillRefused, end_drill, start_drill


@click.group("drill")
def drill_group() -> None:
    """Drills (訓練): start and end a planned drill."""


def acting_planner(username: str) -> Any:
    """The Viewer of the active staff or drill-planner account named by --as."""
    return acting_as(username, (Role.STAFF, Role.PLANNER), "staff or drill planner")


def scenario_or_fail(scenario_id: int) -> DrillScenario:
    scenario = db.session.get(DrillScenario, scenario_id)
    if scenario is None:
        raise click.ClickException(f"There is no drill scenario {scenario_id}.")
    return scenario


@drill_group.command("start")
@needs_current_schema
@click.argument("scenario_id", type=int)
@click.option("--as", "username", required=True, help="The staff or planner account.")
def start_command(scenario_id: int, username: str) -> None:
    """Start the scenario's drill: a safety operation marked 訓練 over its area."""
    viewer = acting_planner(username)
    scenario = scenario_or_fail(scenario_id)
    try:
        operation = start_drill(db.session, viewer, scenario)
    except DrillRefused as exc:
        raise click.ClickException(f"Drill {scenario_id} has already started.") from exc
    except SafetyRefused as exc:
        raise click.ClickException(f"The drill was not started ({exc.code}).") from exc
    people = db.session.scalar(targets_query(viewer, operation).with_only_columns(func.count()))
    db.session.commit()
    click.echo(
        f"started drill {scenario.id} as safety operation {operation.id}: "
        f"{scenario.name} ({people} people)"
    )


@drill_group.command("end")
@needs_current_schema
@click.argument("scenario_id", type=int)
@click.option("--as", "username", required=True, help="The staff or planner account.")
def end_command(scenario_id: int, username: str) -> None:
    """End the scenario's running drill; nothing is deleted."""
    viewer = acting_planner(username)
    scenario = scenario_or_fail(scenario_id)
    try:
        operation = end_drill(db.session, viewer, scenario)
    except (DrillRefused, SafetyRefused) as exc:
        raise click.ClickException(f"Drill {scenario_id} is not running.") from exc
    db.session.commit()
    click.echo(f"ended drill {scenario.id} (safety operation {operation.id}): {scenario.name}")
