"""`roster import-address-points` and `roster geocode`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import func, select
from tqdm import tqdm

from geo.address_points import PointFormatError, PointRead

from ..extensions import db, refresh_statistics
from ..models import LocationPrecision, Registrant
from .operations import PointFileError, geocode_people, import_address_points, point_counts

#: What a refused header looks like, in one phrase.
LOOKS_LIKE = {
    "registrants": "an export of registrants (氏名, 住所), not address points",
    "shelters": "a shelter list, not address points",
    "ids_only": "an アドレス・ベース・レジストリ file of IDs only; load the 位置参照 file with "
    "大字・町名, 丁目名 and 代表点_緯度/経度",
    "unknown": "none of 位置参照情報 街区, アドレス・ベース・レジストリ 住居/街区 "
    "or town,koaza,lat,lng",
}


@click.command("import-address-points")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def import_address_points_command(files: tuple[Path, ...]) -> None:
    """Load address points (位置参照情報 街区, アドレス・ベース・レジストリ 住居/街区, or
    town,koaza,lat,lng) for the municipality, from files that may cover a whole prefecture.
    A refused file writes nothing (exit 1). Run `roster geocode` afterwards."""
    try:
        reads = import_address_points(db.session, list(files), actor=None)
    except (PointFormatError, PointFileError) as exc:
        db.session.rollback()
        click.echo(_refusal(exc), err=True)
        sys.exit(1)
    db.session.commit()
    for path, read in zip(files, reads, strict=True):
        click.echo(f"{path.name}: {describe(read)}")
    counts = point_counts(db.session)
    click.echo("points loaded: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def _refusal(exc: PointFormatError | PointFileError) -> str:
    """Why a file was refused, in one line."""
    if isinstance(exc, PointFormatError):
        return (f"refused: the header ({exc.columns}) looks like {LOOKS_LIKE[exc.looks_like]}."
                " Nothing was written.")
    lines = ", ".join(str(line) for line, _ in exc.read.errors[:10])
    return (f"refused: {exc.name} has {len(exc.read.errors)} rows without readable "
            f"coordinates (lines {lines}). Nothing was written.")


def describe(read: PointRead) -> str:
    """One line per file: format, rows kept and every row not kept, by reason."""
    skipped = "".join(f", {v} skipped ({k})" for k, v in sorted(read.skipped.items()))
    return (f"{read.format} ({read.level}): {read.rows} rows, {read.kept} points of the "
            f"municipality, {read.other_city} of other municipalities, "
            f"{read.duplicates} repeated keys{skipped}")


@click.command("geocode")
@click.option(
    "--only-approximate",
    is_flag=True,
    help="Only people placed at a 町丁目 or district point.",
)
def geocode_command(only_approximate: bool) -> None:
    """Place every person at their address (住居, 街区, 町丁目, else the district's point);
    manual pins stay. Hazard flags and shelters are recomputed for whoever moved."""
    query = select(func.count(Registrant.id)).where(
        Registrant.location_precision != LocationPrecision.MANUAL
    )
    total = db.session.scalar(query) or 0
    with tqdm(total=total, unit="人", desc="geocode", file=sys.stderr) as bar:
        summary = geocode_people(db.session, only_approximate=only_approximate, progress=bar)
    db.session.commit()
    refresh_statistics(db.session)
    db.session.commit()
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.precision.items()))
    click.echo(f"placed: {counts or 'nobody'}; moved {len(summary.moved)}; "
               f"manual pins kept {summary.manual_kept}")
