"""`roster import-registrants` and `roster import-undo`: the eligibility import from the
command line. Messages about the file are in the shell's language (Japanese or English)."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask_babel import force_locale
from tqdm import tqdm

from ..extensions import db, refresh_statistics, vacuum_after_load
from ..i18n import cli_locale, local_today
from ..models import ImportBatch, RegistrantStatus
from ..schema import needs_current_schema
from ..uploads import UploadRefused
from ..web import city_prefix
from .batches import SourceFile, UndoRefusedError, check_undo, undo_batch
from .mapping import Mapping, MappingError, load_mapping
from .operations import ImportPlan, ImportSummary, apply_import, plan_import
from .parsing import parse_rows
from .report import report_csv
from .tables import TableError, read_table

MISSING_CHOICES = ["keep", *(s.value for s in RegistrantStatus if s is not RegistrantStatus.ACTIVE)]


@click.command("import-registrants")
@needs_current_schema
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file naming the columns (roster/data/import-mapping.sample.toml).",
)
@click.option("--encoding", help="CSV encoding (default: detected, UTF-8 or Shift_JIS).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--set-missing",
    type=click.Choice(MISSING_CHOICES),
    default="keep",
    show_default=True,
    help="Status for eligible people missing from the export (default: they keep theirs).",
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
    with force_locale(cli_locale()):
        _import(file, mapping_file, encoding, dry_run, set_missing, report)


def _import(
    file: Path,
    mapping_file: Path | None,
    encoding: str | None,
    dry_run: bool,
    set_missing: str,
    report: Path | None,
) -> None:
    plan = _plan(file, mapping_file, encoding)
    show_plan(plan)
    if report is not None:
        report.write_text(report_csv(plan.errors), encoding="utf-8")
    if not plan.ok:
        click.echo(f"{len(plan.errors)} problems: nothing was written.", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    _write(file, plan, _missing_statuses(plan, set_missing))


def _missing_statuses(plan: ImportPlan, set_missing: str) -> dict[int, RegistrantStatus]:
    """The --set-missing status for each eligible person missing from the export, or none
    for anyone when it is "keep"."""
    if set_missing == "keep":
        return {}
    return {m.registrant_id: RegistrantStatus(set_missing) for m in plan.missing}


def _write(file: Path, plan: ImportPlan, statuses: dict[int, RegistrantStatus]) -> None:
    """Say what will be written, write it as one batch, and say how to undo it."""
    click.echo(
        f"Writing: {len(plan.new)} new, {len(plan.changed)} changed, "
        f"{len(statuses)} status changes."
    )
    summary = _apply(file, plan, statuses)
    click.echo(
        f"Imported as batch {summary.batch_id}: {summary.created} added, "
        f"{summary.updated} updated, {summary.status_changed} statuses changed "
        f"(undo: roster import-undo {summary.batch_id})."
    )


def _plan(file: Path, mapping_file: Path | None, encoding: str | None) -> ImportPlan:
    """Read, parse and compare the file with the register; a file that cannot be read at
    all is a ClickException."""
    try:
        mapping = load_mapping(mapping_file) if mapping_file else Mapping()
        # The size limits hold here too; the clock does not: no web worker waits on it.
        limits = replace(current_app.config["UPLOAD_LIMITS"], max_seconds=math.inf)
        table = read_table(file, filename=file.name, encoding=encoding, limits=limits)
    except (MappingError, TableError, UploadRefused) as exc:
        raise click.ClickException(str(exc)) from exc
    parsed = parse_rows(table, mapping, today=local_today())
    return plan_import(db.session, parsed, city_prefix())


def _apply(file: Path, plan: ImportPlan, statuses: dict[int, RegistrantStatus]) -> ImportSummary:
    """Write the plan as one import batch and commit it."""
    source = SourceFile.of(file.name, file.read_bytes())
    with tqdm(total=len(plan.new), unit="人", desc="import", file=sys.stderr) as bar:
        summary = apply_import(
            db.session, plan, None, city_prefix(), source, statuses, progress=bar
        )
    db.session.commit()
    if summary.created > 1000:
        refresh_statistics(db.session)
        db.session.commit()
        vacuum_after_load(db.session)
    return summary


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
        "(they keep their status unless --set-missing names one)"
    )
    for missing in plan.missing[:limit]:
        click.echo(f"  - {missing.resident_no}")
    for error in plan.errors:
        click.echo(f"  ! row {error.row}, {error.column}: {error.reason}", err=True)


@click.command("import-undo")
@needs_current_schema
@click.argument("batch_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def import_undo(batch_id: int, yes: bool) -> None:
    """Undo import batch BATCH_ID (the latest one not undone), if nothing depends on it."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise click.ClickException(f"There is no import batch {batch_id}.")
    check = check_undo(db.session, batch)
    if check.ok:
        click.echo(
            f"Undo batch {batch_id} ({batch.file_name}): restore {check.restore} changed "
            f"people and {check.statuses} statuses, remove {check.remove} added people."
        )
        if not yes:
            click.confirm("Undo it?", abort=True)
    try:
        undo_batch(db.session, batch, None, city_prefix())
    except UndoRefusedError as refused:
        db.session.rollback()
        raise click.ClickException(undo_refusal(refused.check.refusal, refused.check)) from None
    db.session.commit()
    click.echo(f"Batch {batch_id} undone.")


_BLOCKER_TEXT = {
    "edited": "edited after the import",
    "consent": "consent recorded after the import",
    "work": "added by the import and worked on since",
}


def undo_refusal(refusal: str | None, check: Any) -> str:
    """One paragraph: why the batch cannot be undone, naming the people by 宛名番号."""
    if refusal == "undone":
        return f"Batch {check.batch_id} has already been undone."
    if refusal == "not_latest":
        return f"Only the latest import batch can be undone; batch {check.batch_id} is not it."
    lines = [f"Batch {check.batch_id} cannot be undone: later work depends on it."]
    lines += [f"  {b.resident_no}: {_BLOCKER_TEXT[b.reason]}" for b in check.blockers]
    return "\n".join(lines)
