"""`roster safety`: start, follow and end a safety confirmation operation from the command
line, for when the web pages cannot be reached. Starting and ending act as a named staff
account (--as), audited as on the pages; the status prints counts only, never a person."""

from __future__ import annotations

from typing import Any

import click
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..labels import label
from ..models import DisasterRelease, District, HazardLayer, Role, SafetyOperation, User
from ..schema import needs_current_schema
from ..viewer import viewer_of
from .operations import OperationPlan, SafetyRefused, end_operation, start_operation
from .report import STATUS_ORDER, DistrictRow, by_district


@click.group("safety")
def safety_group() -> None:
    """Safety confirmation operations (安否確認)."""


def acting_as(username: str, roles: tuple[Role, ...], what: str) -> Any:
    """The Viewer of the active account named by --as, if it has one of `roles`; refused
    otherwise, naming `what` account was wanted."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or user.role not in roles or not user.is_active_account:
        raise click.ClickException(f"{username!r} is not an active {what} account.")
    return viewer_of(user, db.session)


def acting_staff(username: str) -> Any:
    """The Viewer of the active staff account named by --as; refused otherwise."""
    return acting_as(username, (Role.STAFF,), "staff")


def operation_or_fail(operation_id: int) -> SafetyOperation:
    operation = db.session.get(SafetyOperation, operation_id)
    if operation is None:
        raise click.ClickException(f"There is no safety operation {operation_id}.")
    return operation


def districts_by_code(codes: str) -> list[District]:
    """The districts of a comma-separated list of codes; an unknown code is refused."""
    wanted = [c.strip() for c in codes.split(",") if c.strip()]
    query = select(District).where(District.code.in_(wanted))
    found = {d.code: d for d in db.session.scalars(query)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise click.ClickException(f"No district has the code {', '.join(unknown)}.")
    return [found[c] for c in wanted]


def hazard_area(layer_id: int | None, min_rank: int | None, landslide: bool) -> dict[str, Any]:
    """The hazard part of the plan: a layer with either a lowest flood rank or every
    landslide zone, or nothing."""
    if layer_id is None:
        if min_rank is not None or landslide:
            raise click.ClickException("--min-rank and --landslide need --hazard-layer.")
        return {}
    if (min_rank is None) == (not landslide):
        raise click.ClickException("--hazard-layer needs either --min-rank or --landslide.")
    layer = db.session.get(HazardLayer, layer_id)
    if layer is None:
        raise click.ClickException(f"There is no hazard layer {layer_id}.")
    return {"hazard_layer": layer, "min_flood_rank": min_rank, "every_landslide_zone": landslide}


def release_or_fail(release_id: int | None) -> DisasterRelease | None:
    if release_id is None:
        return None
    release = db.session.get(DisasterRelease, release_id)
    if release is None:
        raise click.ClickException(f"There is no disaster-time release {release_id}.")
    return release


@safety_group.command("start")
@needs_current_schema
@click.option("--name", required=True, help="The operation's name.")
@click.option("--disaster", required=True, help="The disaster, e.g. 令和8年台風第10号.")
@click.option("--districts", default="", help="District codes, separated by commas.")
@click.option("--hazard-layer", "layer_id", type=int, help="A hazard layer's ID.")
@click.option("--min-rank", type=click.IntRange(1, 10), help="Flood areas of this rank or more.")
@click.option("--landslide", is_flag=True, help="Every landslide zone of the layer.")
@click.option("--release", "release_id", type=int, help="The disaster-time release it runs under.")
@click.option("--as", "username", required=True, help="The staff account that starts it.")
def start_command(
    name: str,
    disaster: str,
    districts: str,
    layer_id: int | None,
    min_rank: int | None,
    landslide: bool,
    release_id: int | None,
    username: str,
) -> None:
    """Start an operation over districts and/or the areas of a hazard layer."""
    viewer = acting_staff(username)
    plan = OperationPlan(
        name=name.strip(),
        disaster=disaster.strip(),
        districts=districts_by_code(districts),
        release=release_or_fail(release_id),
        **hazard_area(layer_id, min_rank, landslide),
    )
    try:
        operation = start_operation(db.session, viewer, plan)
    except SafetyRefused as exc:
        with force_locale("en"):
            reason = str(exc)
        raise click.ClickException(f"The operation was not started. {reason}") from exc
    db.session.commit()
    click.echo(f"started safety operation {operation.id}: {operation.name}")


@safety_group.command("status")
@needs_current_schema
@click.argument("operation_id", type=int)
def status_command(operation_id: int) -> None:
    """Counts by status and district (as the staff member who started it sees them)."""
    operation = operation_or_fail(operation_id)
    rows = by_district(db.session, viewer_of(operation.started_by, db.session), operation)
    with force_locale("ja"):
        for line in status_lines(operation, rows):
            click.echo(line)


def status_lines(operation: SafetyOperation, rows: list[DistrictRow]) -> list[str]:
    """The operation's heading, then the total and each district: 人数 and each status."""
    state = "実施中" if operation.running else f"終了 {operation.ended_at:%Y-%m-%d %H:%M} UTC"
    lines = [
        f"安否確認活動 {operation.id}: {operation.name}（{operation.disaster}）",
        f"開始 {operation.started_at:%Y-%m-%d %H:%M} UTC / {state}",
    ]
    totals = {s: sum(r.counts.get(s, 0) for r in rows) for s in STATUS_ORDER}
    lines.append(_count_line("合計", totals))
    lines.extend(_count_line(f"{r.name}（{r.code}）", r.counts) for r in rows)
    return lines


def _count_line(title: str, counts: dict[Any, int]) -> str:
    total = sum(counts.values())
    parts = [f"{label(s)} {counts.get(s, 0)}" for s in STATUS_ORDER if counts.get(s, 0)]
    return f"{title} {total}人: " + (", ".join(parts) if parts else "-")


@safety_group.command("end")
@needs_current_schema
@click.argument("operation_id", type=int)
@click.option("--as", "username", required=True, help="The staff account that ends it.")
def end_command(operation_id: int, username: str) -> None:
    """End a running operation; nothing is deleted."""
    viewer = acting_staff(username)
    operation = operation_or_fail(operation_id)
    try:
        end_operation(db.session, viewer, operation)
    except SafetyRefused as exc:
        raise click.ClickException(f"Safety operation {operation_id} has already ended.") from exc
    db.session.commit()
    click.echo(f"ended safety operation {operation.id}: {operation.name}")
