"""`roster import-shelters`: the shelter import from the command line, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from geo.shelters.cells import RowError
from geo.shelters.reading import FORMATS, ShelterRead, read_shelter_files

from ..extensions import db
from ..schema import needs_current_schema
from .importing import (
    ImportPlan,
    apply_import,
    plan_import,
    scope_note,
    welfare_without_groups,
)
from .labels import DEFAULT_SOURCES
from .mapping import MappingError, load_mapping


@click.command("import-shelters")
@needs_current_schema
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    default=None,
    help="gsi (GSI GeoJSON or CSV; the default), jp-standard (the Digital Agency's "
    "指定緊急避難場所一覧 CSV) or csv (any CSV, with --mapping).",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML naming the CSV's columns (sample: roster/data/shelter-mapping.sample.toml); "
    "implies --format csv.",
)
@click.option(
    "--city",
    help="Import only this municipality's places (5-digit code, or 6 with the check digit).",
)
@click.option(
    "--source",
    "source_label",
    help="Where the data comes from, stored on each place (default: one per format). "
    "Places of this source that the files no longer list are removed.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def import_shelters(
    files: tuple[Path, ...],
    file_format: str | None,
    mapping_file: Path | None,
    city: str | None,
    source_label: str | None,
    dry_run: bool,
) -> None:
    """Import shelters from FILE(s): added, changed and removed places, all or nothing."""
    file_format = _chosen_format(file_format, mapping_file)
    read = _read(files, file_format, mapping_file, city)
    source = source_label or DEFAULT_SOURCES[file_format]
    plan = plan_import(db.session, read, source, city)
    show_plan(plan)
    _stop_on_problems(plan)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    _apply(plan, file_format, city, len(files))
    show_welfare_without_groups()


def _stop_on_problems(plan: ImportPlan) -> None:
    """Exit with status 1 when the plan has bad rows: nothing is written."""
    if not plan.ok:
        click.echo(f"{len(plan.errors)} problems: nothing was written.", err=True)
        sys.exit(1)


def _chosen_format(file_format: str | None, mapping_file: Path | None) -> str:
    """The format asked for (a mapping implies csv); a mapping goes with csv only."""
    file_format = file_format or ("csv" if mapping_file else "gsi")
    if mapping_file and file_format != "csv":
        raise click.UsageError("--mapping is for --format csv")
    if file_format == "csv" and not mapping_file:
        raise click.UsageError(
            "--format csv needs --mapping (roster/data/shelter-mapping.sample.toml)"
        )
    return file_format


def _read(
    files: tuple[Path, ...], file_format: str, mapping_file: Path | None, city: str | None
) -> ShelterRead:
    """The files read; a bad mapping, city or file of another format stops the command."""
    try:
        mapping = load_mapping(mapping_file) if mapping_file else None
        read = read_shelter_files(files, format=file_format, mapping=mapping, city=city)
    except (MappingError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if read.mismatch is not None:
        raise click.ClickException(read.mismatch.message)
    return read


def _apply(plan: ImportPlan, file_format: str, city: str | None, files: int) -> None:
    try:
        summary = apply_import(db.session, plan, None, format=file_format, city=city, files=files)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(
        f"Imported: {summary.added} added, {summary.changed} changed, "
        f"{summary.removed} removed, {summary.unchanged} unchanged."
    )


def show_welfare_without_groups() -> None:
    """Every welfare shelter that takes no group, so that staff set the groups."""
    places = welfare_without_groups(db.session)
    if places:
        click.echo(
            f"{len(places)} welfare shelters take no group, so no one is assigned to them; "
            "set the groups they take on each place's page:"
        )
        for place in places:
            click.echo(f"  ? {place.source_id} {place.name} ({place.accepts or 'no 受入対象者'})")


def show_plan(plan: ImportPlan, limit: int = 20) -> None:
    """Counts, the first places of each kind of change, and every bad row."""
    click.echo(f"Source: {plan.source}")
    click.echo(
        f"Added: {len(plan.added)}   Changed: {len(plan.changed)}   "
        f"Unchanged: {plan.unchanged}   Removed: {len(plan.removed)}"
    )
    _show_places(plan, limit)
    if plan.ok:
        click.echo(scope_note(plan))
    for error in plan.errors:
        click.echo(f"  ! {describe(error)}", err=True)


def _show_places(plan: ImportPlan, limit: int) -> None:
    """The first places added, changed and removed, and how many more there are."""
    for item in plan.added[:limit]:
        click.echo(f"  + {item.source_id} {item.values['name']}")
    for change in plan.changed[:limit]:
        click.echo(f"  ~ {change.source_id} {change.name}: {', '.join(change.fields)}")
    for removed in plan.removed[:limit]:
        click.echo(f"  - {removed.source_id} {removed.name}")
    more = max(0, len(plan.added) - limit) + max(0, len(plan.changed) - limit)
    more += max(0, len(plan.removed) - limit)
    if more:
        click.echo(f"  ({more} more not listed)")


def describe(error: RowError) -> str:
    where = [
        part
        for part in (
            error.file,
            f"row {error.row}" if error.row is not None else "",
            f"column {error.column}" if error.column else "",
        )
        if part
    ]
    return f"{', '.join(where)}: {error.message}" if where else error.message
