"""`roster import-hazard`: a hazard layer from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask_babel import force_locale
from tqdm import tqdm

from geo.hazards import HAZARD_KINDS, Attributes, HazardInputError

from ..extensions import db, refresh_statistics
from ..models import Registrant, RegistrantStatus
from ..schema import needs_current_schema
from .assignment import Recomputed, assignment_hazards, recompute_all
from .layers import ImportedLayer, import_layer
from .messages import report_lines


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
@click.option(
    "--zone-property",
    help="Landslide only: the property holding the zone, when not A33_002, kubun or 区分.",
)
@click.option(
    "--zone-value",
    "zone_values",
    multiple=True,
    metavar="VALUE=MEANING",
    help="Landslide only: what a zone value means, e.g. R=special or Y=警戒区域 (repeatable).",
)
@click.option(
    "--zone",
    type=click.Choice(("warning", "special")),
    help="Landslide only: the zone of areas whose file states none (never assumed).",
)
@click.option(
    "--phenomenon-property",
    help="Landslide only: the property holding the phenomenon, when not A33_001, genshoname "
    "or 現象名.",
)
@click.option(
    "--phenomenon-value",
    "phenomenon_values",
    multiple=True,
    metavar="VALUE=MEANING",
    help="Landslide only: what a phenomenon value means, e.g. K=steep_slope, D=土石流, "
    "L=landslide (repeatable).",
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
    **landslide: Any,
) -> None:
    """Import a hazard layer (GeoJSON, Shapefile or GeoPackage), then recompute everyone's
    hazard flags and shelter assignments. A refused file writes nothing (exit 1)."""
    _check_options(kind, depth_property, landslide)
    attributes = Attributes(depth_property=depth_property, **landslide)
    people = _active_people()
    hazards = len(assignment_hazards(db.session))
    _import(file, kind, name, attributes, encoding, synthetic)
    summary = _recompute(people * max(hazards, len(assignment_hazards(db.session))))
    click.echo(f"{summary.people} people, {summary.flagged} in a hazard area")
    for hazard, counts in summary.hazards.items():
        click.echo(f"  {hazard}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def _recompute(total: int) -> Recomputed:
    """Recompute everyone's flags and assignments with a progress bar of `total` steps (people
    times hazards), commit, and refresh the query planner's statistics."""
    with tqdm(total=total, unit="件", desc="assign", file=sys.stderr) as bar:
        summary = recompute_all(db.session, crs=current_app.config["GEO_CRS"], progress=bar)
    db.session.commit()
    refresh_statistics(db.session)
    db.session.commit()
    return summary


def _active_people() -> int:
    from sqlalchemy import func, select

    query = select(func.count(Registrant.id)).where(Registrant.status == RegistrantStatus.ACTIVE)
    return db.session.scalar(query) or 0


def _import(
    file: Path,
    kind: str,
    name: str | None,
    attributes: Attributes,
    encoding: str | None,
    synthetic: bool,
) -> None:
    """Store the layer without recomputing and say what was read; exit 1 if it is refused."""
    try:
        imported = import_layer(
            db.session,
            file,
            kind,
            actor=None,
            name=name,
            attributes=attributes,
            encoding=encoding,
            synthetic=synthetic,
            crs=current_app.config["GEO_CRS"],
            recompute=False,
        )
    except HazardInputError as exc:
        db.session.rollback()
        click.echo(f"refused: {exc}. Nothing was written.", err=True)
        sys.exit(1)
    _say_read(imported, kind, file)


def _say_read(imported: ImportedLayer, kind: str, file: Path) -> None:
    """The stored layer's areas, and the report of its reading (in English)."""
    layer = imported.layer
    click.echo(f"layer {layer.id}: {layer.feature_count} areas ({kind}) from {file.name}")
    with force_locale("en"):
        for line in report_lines(imported.report):
            click.echo(f"  {line}")


def _check_options(kind: str, depth_property: str | None, landslide: dict[str, Any]) -> None:
    """An option of another kind of layer would be ignored: refuse it instead."""
    if depth_property and kind != "flood":
        raise click.UsageError("--depth-property is only for --kind flood.")
    given = [name for name, value in landslide.items() if value]
    if given and kind != "landslide":
        options = ", ".join("--" + name.removesuffix("s").replace("_", "-") for name in given)
        raise click.UsageError(f"{options}: only for --kind landslide.")
