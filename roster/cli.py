"""The `roster` command: Flask's CLI group plus the register's own commands."""

from __future__ import annotations

import getpass
import os
import random
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from flask_babel import force_locale
from sqlalchemy import func, select

from .config import PROJECT_DIR
from .extensions import db, refresh_statistics
from .models import Organisation, Registrant, Role, User
from .passwords import password_problem


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
    from .admin.operations import DuplicateNameError, create_user

    org = None
    if organisation:
        org = db.session.scalar(select(Organisation).where(Organisation.name == organisation))
        if org is None:
            raise click.UsageError(f"no organisation named {organisation!r}")
    if (role == Role.PARTNER) != (org is not None):
        raise click.UsageError("partner users need --organisation; other roles take none")
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
    try:
        create_user(
            db.session,
            username=username,
            display_name=display_name or username,
            role=Role(role),
            password=password,
            organisation=org,
        )
    except DuplicateNameError as exc:
        raise click.UsageError(f"user {username!r} exists") from exc
    db.session.commit()
    click.echo(f"created {role} user {username}")


@click.command("verify-audit")
def verify_audit_command() -> None:
    """Check the audit hash chain; exit 1 naming the first bad event."""
    from .audit.operations import verify_chain

    report = verify_chain(db.session)
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events")
        # Written down elsewhere (a ticket, syslog, paper), this proves later that no event
        # up to here was cut off.
        click.echo(f"head: event {report.head_seq} {report.head_hash}")
        return
    click.echo(
        f"audit chain broken at event {report.first_bad_seq}: {report.reason} "
        f"({report.checked} events verified before it)",
        err=True,
    )
    sys.exit(1)


@click.command("demo")
@click.option(
    "--registrants",
    "count",
    type=click.IntRange(1, 500_000),
    default=None,
    help="Fictional registrants to create (config demo.registrants, 3000).",
)
@click.option("--seed", type=int, default=None, help="Random seed (config demo.seed).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has registrants.")
def demo_command(count: int | None, seed: int | None, if_empty: bool) -> None:
    """Load the demo municipality 西東京市 with fictional registrants and demo logins."""
    from .consent.catalog import reference_key
    from .demo import DemoError, load_demo
    from .demo.rounds import add_demo_rounds
    from .i18n import local_today
    from .passwords import hash_password
    from .plans.demo import add_demo_plans
    from .priority.demo import add_demo_tasks

    if if_empty and db.session.scalar(select(func.count(Registrant.id))):
        click.echo("the database already has registrants; demo not loaded")
    else:
        try:
            summary = load_demo(
                db.session,
                registrants=count or current_app.config["DEMO_REGISTRANTS"],
                seed=current_app.config["DEMO_SEED"] if seed is None else seed,
                password_hash=hash_password(current_app.config["DEMO_PASSWORD"]),
                progress=True,
            )
        except DemoError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        rounds = add_demo_rounds(
            db.session,
            local_today(),
            reference_key(current_app.config["SECRET_KEY"]),
            reverify_months=current_app.config["REVERIFY_MONTHS"],
        )
        summary["rounds"] = len(rounds)
        # Plans in every status, and the priority queue's first assignments.
        staff = db.session.scalars(
            select(User).where(User.username == "staff", User.is_demo.is_(True))
        ).one()
        rng = random.Random(current_app.config["DEMO_SEED"] if seed is None else seed)  # noqa: S311
        plans = add_demo_plans(db.session, local_today(), staff, rng)
        summary["plans"] = sum(plans.values())
        summary["plan_tasks"] = add_demo_tasks(db.session, staff, rng)
        refresh_statistics(db.session)
        db.session.commit()
        click.echo(", ".join(f"{k}: {v}" for k, v in summary.items()))
    print_demo_logins()


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
    from .hazards.cli import import_hazard
    from .imports.cli import import_registrants
    from .plans.cli import plans_group
    from .shelters.cli import import_shelters

    app.cli.add_command(import_registrants)
    app.cli.add_command(import_shelters)
    app.cli.add_command(db_group)
    app.cli.add_command(create_user_command)
    app.cli.add_command(verify_audit_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(import_hazard)
    app.cli.add_command(plans_group)


def make_app() -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=make_app, add_version_option=False)
def main() -> None:
    """Roster: the register of people who need help to evacuate."""


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


if __name__ == "__main__":
    main()
