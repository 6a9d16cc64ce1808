"""The register's own commands, added to the app's command group by create_app; the `roster`
program around them is roster.cli."""

from __future__ import annotations

import getpass
import os
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from .config import PROJECT_DIR
from .extensions import db, refresh_statistics, vacuum_after_load
from .i18n import local_today
from .models import Organisation, Registrant, Role, User
from .passwords import password_problem
from .schema import needs_current_schema

if TYPE_CHECKING:
    from .backups.operations import RestoreReport


def alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"])
    return config


@click.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the schema up to REVISION (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(), revision)


@db_group.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from alembic import command

    command.current(alembic_config())


@db_group.command("analyze")
def db_analyze() -> None:
    """Refresh the query planner's statistics (after large imports)."""
    refresh_statistics(db.session)
    db.session.commit()
    vacuum_after_load(db.session)
    click.echo("statistics refreshed")


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", help="Display name (default: the user name).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--organisation", help="Partner organisation name, for partner users.")
@click.option(
    "--password",
    envvar="ROSTER_NEW_PASSWORD",
    help="Password; asked for when not given (or set ROSTER_NEW_PASSWORD).",
)
def create_user_command(
    username: str,
    display_name: str | None,
    role: str,
    organisation: str | None,
    password: str | None,
) -> None:
    """Create a user account."""
    org = partner_organisation(organisation, Role(role))
    password = checked_password(password, username)
    add_user(username, display_name or username, Role(role), password, org)
    db.session.commit()
    click.echo(f"created {role} user {username}")


def add_user(
    username: str, display_name: str, role: Role, password: str, org: Organisation | None
) -> None:
    """The new account, or a usage error if the name is taken."""
    from .admin.operations import DuplicateNameError, create_user

    try:
        create_user(
            db.session,
            username=username,
            display_name=display_name,
            role=role,
            password=password,
            organisation=org,
        )
    except DuplicateNameError as exc:
        raise click.UsageError(f"user {username!r} exists") from exc


def partner_organisation(name: str | None, role: Role) -> Organisation | None:
    """The organisation named by --organisation: partners need one, other roles take none."""
    org = None
    if name:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            raise click.UsageError(f"no organisation named {name!r}")
    if (role == Role.PARTNER) != (org is not None):
        raise click.UsageError("partner users need --organisation; other roles take none")
    return org


def checked_password(password: str | None, username: str) -> str:
    """The password given, or asked for twice; refused with the reason if it is weak."""
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            raise click.UsageError("the passwords differ")
    with force_locale("en"):  # as every other message of the command line
        problem = password_problem(
            password, username=username, min_length=current_app.config["MIN_PASSWORD_LENGTH"]
        )
    if problem:
        raise click.UsageError(problem)
    return password


@click.command("verify-audit")
@click.option(
    "--checkpoints",
    "checkpoint_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Checkpoint file (audit.checkpoint_file, and its rotated copies); may be repeated.",
)
def verify_audit_command(checkpoint_files: tuple[Path, ...]) -> None:
    """Check the audit hash chain; exit 1 naming the first bad event. With --checkpoints,
    also check that the chain holds every head written outside the database."""
    from .audit.operations import verify_chain

    report = verify_chain(db.session)
    if not report.ok:
        click.echo(
            f"audit chain broken at event {report.first_bad_seq}: {report.reason} "
            f"({report.checked} events verified before it)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"audit chain intact: {report.checked} events")
    # Written down elsewhere (a ticket, syslog, paper), this proves later that no event
    # up to here was cut off.
    click.echo(f"head: event {report.head_seq} {report.head_hash}")
    if checkpoint_files:
        verify_checkpoint_files(report.head_seq, checkpoint_files)


def verify_checkpoint_files(head_seq: int, paths: tuple[Path, ...]) -> None:
    """Compare the chain with the checkpoint files; exit 1 naming the first that disagrees."""
    from .audit.checkpoints import CheckpointFormatError, read_checkpoints, verify_checkpoints

    try:
        result = verify_checkpoints(db.session, head_seq, read_checkpoints(paths))
    except CheckpointFormatError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if result.ok:
        click.echo(f"{result.checked} checkpoints agree with the chain")
        return
    point = result.checkpoint
    assert point is not None
    click.echo(
        f"checkpoint {point.source}:{point.line_no} (written {point.written_at}) names "
        f"event {point.seq}, but {result.reason}",
        err=True,
    )
    sys.exit(1)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest: Path) -> None:
    """Write a consistent copy of the database and its manifest into the new folder DEST,
    while the app runs."""
    from .backups.manifests import BackupError
    from .backups.operations import backup_database

    try:
        manifest = backup_database(
            current_app.config["DATABASE_URL"], dest, current_app.config["BACKUP_PG_BIN_DIR"]
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(manifest.row_counts.values())
    click.echo(
        f"backup written to {dest}: {manifest.engine}, {rows:,} rows in "
        f"{len(manifest.row_counts)} tables, audit head event {manifest.audit_head_seq}, "
        f"SHA-256 {manifest.dump_sha256}"
    )


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace a database that already holds rows.")
def restore_command(src: Path, replace: bool) -> None:
    """Restore the backup in folder SRC, verify the audit chain and compare the rows per
    table with the manifest; exit 1 if they differ or the chain does not verify."""
    from .backups.manifests import BackupError
    from .backups.operations import restore_database

    try:
        report = restore_database(
            current_app.config["DATABASE_URL"],
            src,
            replace=replace,
            pg_bin_dir=current_app.config["BACKUP_PG_BIN_DIR"],
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    print_restore_report(report)
    if not report.ok:
        sys.exit(1)


def print_restore_report(report: RestoreReport) -> None:
    """The rows per table beside the manifest's, the schema revision and the audit chain."""
    print_row_counts(report)
    manifest, chain = report.manifest, report.chain
    click.echo(f"schema revision: {report.restored.alembic_revision} "
               f"(backup: {manifest.alembic_revision})")
    if chain.ok:
        click.echo(f"audit chain intact: {chain.checked} events, head event {chain.head_seq} "
                   f"(backup: {manifest.audit_head_seq})")
    else:
        click.echo(f"audit chain broken at event {chain.first_bad_seq}: {chain.reason}", err=True)
    if report.ok:
        click.echo(
            "restored. Events after the backup are gone: move audit.checkpoint_file aside "
            "(keep it) before the app runs, or verify-audit --checkpoints will name them."
        )
    else:
        click.echo("the restored database does not match the backup's manifest", err=True)


def print_row_counts(report: RestoreReport) -> None:
    """Each table's rows in the backup's manifest and in the restored database."""
    manifest, restored = report.manifest, report.restored
    click.echo(f"{'table':<32} {'backup':>10} {'restored':>10}")
    for name in sorted(manifest.row_counts.keys() | restored.row_counts.keys()):
        want, got = manifest.row_counts.get(name), restored.row_counts.get(name)
        mark = "" if want == got else "  DIFFERS"
        click.echo(f"{name:<32} {want if want is not None else '-':>10} "
                   f"{got if got is not None else '-':>10}{mark}")


@click.command("demo")
@needs_current_schema
@click.option(
    "--registrants",
    "count",
    type=click.IntRange(1, 2_000_000),
    default=None,
    help="Fictional registrants to create (config demo.registrants, 3000).",
)
@click.option("--seed", type=int, default=None, help="Random seed (config demo.seed).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has registrants.")
def demo_command(count: int | None, seed: int | None, if_empty: bool) -> None:
    """Load the demo municipality 西東京市 with fictional registrants and demo logins."""
    if if_empty and db.session.scalar(select(func.count(Registrant.id))):
        click.echo("the database already has registrants; demo not loaded")
    else:
        seed = current_app.config["DEMO_SEED"] if seed is None else seed
        summary = load_demo_people(count or current_app.config["DEMO_REGISTRANTS"], seed)
        summary.update(add_demo_work(seed))
        refresh_statistics(db.session)
        db.session.commit()
        vacuum_after_load(db.session)
        click.echo(", ".join(f"{k}: {v}" for k, v in summary.items()))
    print_demo_logins()


def load_demo_people(count: int, seed: int) -> dict[str, Any]:
    """The demo municipality, its people and logins, committed; what was made, counted."""
    from .demo import DemoError, load_demo
    from .passwords import hash_password

    try:
        summary = load_demo(
            db.session,
            registrants=count,
            seed=seed,
            password_hash=hash_password(current_app.config["DEMO_PASSWORD"]),
            progress=True,
        )
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    return summary


def add_demo_work(seed: int) -> dict[str, int]:
    """Consent rounds, plans in every status and the priority queue's first assignments."""
    from .demo.drills import review_flagged_plans
    from .plans.demo import add_demo_plans
    from .priority.demo import add_demo_tasks

    rounds = add_demo_rounds_today()
    staff = db.session.scalars(
        select(User).where(User.username == "staff", User.is_demo.is_(True))
    ).one()
    rng = random.Random(seed)  # noqa: S311
    plans = add_demo_plans(db.session, local_today(), staff, rng)
    return {
        "rounds": rounds,
        "plans": sum(plans.values()),
        "plans_flagged_by_drill": review_flagged_plans(db.session, staff),
        "plan_tasks": add_demo_tasks(db.session, staff, rng),
    }


def add_demo_rounds_today() -> int:
    """The demo's consent rounds as of today; how many."""
    from .consent.catalog import reference_key
    from .demo.rounds import add_demo_rounds

    rounds = add_demo_rounds(
        db.session,
        local_today(),
        reference_key(current_app.config["SECRET_KEY"]),
        reverify_months=current_app.config["REVERIFY_MONTHS"],
    )
    return len(rounds)


def print_demo_logins() -> None:
    """Name the demo logins, if this is a demo database."""
    logins = demo_logins()
    if not logins:
        return
    password = (
        "$ROSTER_DEMO_PASSWORD"
        if os.environ.get("ROSTER_DEMO_PASSWORD")
        else current_app.config["DEMO_PASSWORD"]
    )
    click.echo("")
    click.echo("  Demo logins (password: " + password + "):")
    for username, role in logins:
        click.echo(f"    {username:<8} {role}")


def register(app: Flask) -> None:
    from .drills.cli import drill_group
    from .geocoding.cli import geocode_command, import_address_points_command
    from .hazards.cli import import_hazard
    from .imports.cli import import_registrants, import_undo
    from .plans.cli import plans_group
    from .priority.cli import priority_group
    from .safety.cli import safety_group
    from .shelters.cli import import_shelters

    app.cli.add_command(import_registrants)
    app.cli.add_command(import_undo)
    app.cli.add_command(import_shelters)
    app.cli.add_command(safety_group)
    app.cli.add_command(drill_group)
    app.cli.add_command(db_group)
    app.cli.add_command(create_user_command)
    app.cli.add_command(verify_audit_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(import_hazard)
    app.cli.add_command(plans_group)
    app.cli.add_command(priority_group)
    app.cli.add_command(import_address_points_command)
    app.cli.add_command(geocode_command)


def demo_logins() -> list[tuple[str, str]]:
    """(user name, role) of the demo accounts, for the start-up banner."""
    return [
        (u.username, u.role.value)
        for u in db.session.scalars(
            select(User)
            .where(User.is_demo.is_(True), User.is_active_account.is_(True))
            .order_by(User.id)
        )
    ]

