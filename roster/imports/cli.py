"""`roster import-registrants`: the eligibility import from the command line."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import click
from flask import current_app
from tqdm import tqdm

from ..extensions import db, refresh_statistics
from ..i18n import local_today
from ..labels import label
from ..models import RegistrantStatus
from ..uploads import UploadRefused
from ..web import city_prefix
from .mapping import Mapping, MappingError, load_mapping
from .operations import ImportPlan, apply_import, plan_import
from .parsing import TableError, parse_rows, read_table
from .report import report_csv

MISSING_CHOICES = ["keep", *(s.value for s in RegistrantStatus if s is not RegistrantStatus.ACTIVE)]


@click.command("import-registrants")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file naming the columns (docs/import-mapping.sample.toml).",
)
@click.option("--encoding", help="CSV encoding (default: detected, UTF-8 or Shift_JIS).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--set-missing",
    type=click.Choice(MISSING_CHOICES),
    default="keep",
    show_default=True,
    help="Status for eligible people missing from the export.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the error report as CSV here.",
)
def import_registrants(
    file: Path,
    mapping_file: Path | None,
    encoding: str | None,
    dry_run: bool,
    set_missing: str,
    report: Path | None,
) -> None:
    """Import eligible people from a source-system export (CSV or XLSX), all or nothing."""
    try:
        mapping = load_mapping(mapping_file) if mapping_file else Mapping()
        # The size limits hold here too; the clock does not: no web worker waits on it.
        limits = replace(current_app.config["UPLOAD_LIMITS"], max_seconds=math.inf)
        table = read_table(file, filename=file.name, encoding=encoding, limits=limits)
    except (MappingError, TableError, UploadRefused) as exc:
        raise click.ClickException(str(exc)) from exc
    parsed = parse_rows(table, mapping, today=local_today())
    plan = plan_import(db.session, parsed, city_prefix())
    show_plan(plan)
    if report is not None:
        report.write_text(report_csv(plan.errors), encoding="utf-8")
    if not plan.ok:
        click.echo(f"{len(plan.errors)} problems: nothing was written.", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    statuses = (
        {}
        if set_missing == "keep"
        else {m.registrant_id: RegistrantStatus(set_missing) for m in plan.missing}
    )
    with tqdm(total=len(plan.new), unit="人", desc="import", file=sys.stderr) as bar:
        summary = apply_import(
            db.session, plan, None, city_prefix(), local_today(), statuses, progress=bar
        )
    db.session.commit()
    if summary.created > 1000:
        refresh_statistics(db.session)
        db.session.commit()
    click.echo(
        f"Imported: {summary.created} added, {summary.updated} updated, "
        f"{summary.status_changed} statuses changed."
    )


def show_plan(plan: ImportPlan, limit: int = 20) -> None:
    """The dry-run diff: new people, changed fields, people missing, and every bad row."""
    click.echo(f"New eligible people: {len(plan.new)}")
    for person in plan.new[:limit]:
        click.echo(f"  + row {person.record.row}: {person.record.resident_no}")
    click.echo(
        f"  of which the reason matched no category and became その他: {plan.reason_unmatched}"
    )
    click.echo(f"Changed: {len(plan.changed)}   Unchanged: {plan.unchanged}")
    for changed in plan.changed[:limit]:
        fields = ", ".join(c.field for c in changed.changes) or "district"
        click.echo(f"  ~ row {changed.row}: {changed.resident_no}: {fields}")
    click.echo(
        f"Missing from the export: {len(plan.missing)} "
        f"(proposed: {label(RegistrantStatus.MOVED_OUT)}; confirm with --set-missing)"
    )
    for missing in plan.missing[:limit]:
        click.echo(f"  - {missing.resident_no}")
    for error in plan.errors:
        click.echo(f"  ! row {error.row}, {error.column}: {error.reason}", err=True)
