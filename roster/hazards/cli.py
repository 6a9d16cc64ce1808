"""`roster import-hazard`: a hazard layer from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from tqdm import tqdm

from geo.hazards import HAZARD_KINDS, HazardInputError

from ..extensions import db, refresh_statistics
from ..models import Registrant, RegistrantStatus
from ..schema import needs_current_schema
from .operations import assignment_hazards, import_layer, recompute_all


@click.command("import-hazard")
@needs_current_schema
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(HAZARD_KINDS),
    required=True,
    help="flood (国土数値情報 A31), landslide (A33) or other.",
)
@click.option("--name", help="The layer's name on maps and pages (default: the file name).")
@click.option(
    "--depth-property",
    help="Flood only: the property holding the depth rank, when not A31a_205/A31_205.",
)
@click.option("--encoding", help="Attribute encoding of a Shapefile without .cpg, e.g. cp932.")
@click.option(
    "--synthetic",
    is_flag=True,
    help="Made-up areas for a demo: maps label them as not real hazard data.",
)
def import_hazard(
    file: Path,
    kind: str,
    name: str | None,
    depth_property: str | None,
    encoding: str | None,
    synthetic: bool,
) -> None:
    """Import a hazard layer (GeoJSON, Shapefile or GeoPackage), then recompute everyone's
    hazard flags and shelter assignments. A refused file writes nothing (exit 1)."""
    from sqlalchemy import func, select

    people = (
        db.session.scalar(
            select(func.count(Registrant.id)).where(Registrant.status == RegistrantStatus.ACTIVE)
        )
        or 0
    )
    hazards = len(assignment_hazards(db.session))
    try:
        layer = import_layer(
            db.session,
            file,
            kind,
            actor=None,
            name=name,
            depth_property=depth_property,
            encoding=encoding,
            synthetic=synthetic,
            crs=current_app.config["GEO_CRS"],
            recompute=False,
        )
    except HazardInputError as exc:
        db.session.rollback()
        click.echo(f"refused: {exc}. Nothing was written.", err=True)
        sys.exit(1)
    click.echo(f"layer {layer.id}: {layer.feature_count} areas ({kind}) from {file.name}")
    total = people * max(hazards, len(assignment_hazards(db.session)))
    with tqdm(total=total, unit="件", desc="assign", file=sys.stderr) as bar:
        summary = recompute_all(db.session, crs=current_app.config["GEO_CRS"], progress=bar)
    db.session.commit()
    refresh_statistics(db.session)
    db.session.commit()
    click.echo(f"{summary.people} people, {summary.flagged} in a hazard area")
    for hazard, counts in summary.hazards.items():
        click.echo(f"  {hazard}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
