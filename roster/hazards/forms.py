"""Forms of the hazard pages: a layer upload, and the buttons that change stored data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..formtext import strip
from ..registrants.forms import REQUIRED
from .names import LAYER_KIND_NAMES

#: GeoJSON, GeoPackage, or a Shapefile with its .dbf, .shx and .prj zipped together.
LAYER_SUFFIXES = ("geojson", "json", "gpkg", "zip")


class LayerForm(FlaskForm):
    file = FileField(
        _l("Hazard file"),
        validators=[
            FileRequired(_l("Choose the hazard file.")),
            FileAllowed(
                LAYER_SUFFIXES,
                _l(
                    "Give a GeoJSON (.geojson, .json), GeoPackage (.gpkg) or zipped Shapefile "
                    "(.zip) file."
                ),
            ),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=list(LAYER_KIND_NAMES.items()),
        validators=[InputRequired(REQUIRED)],
    )
    name = StringField(
        _l("Layer name (optional)"), filters=[strip], validators=[Optional(), Length(max=120)]
    )
    depth_property = StringField(
        _l("Flood depth property (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=60)],
    )
    zone_property = StringField(
        _l("Zone property (optional)"), filters=[strip], validators=[Optional(), Length(max=60)]
    )
    zone_values = TextAreaField(
        _l("Meaning of the zone values (optional)"), validators=[Optional(), Length(max=2000)]
    )
    zone = SelectField(
        _l("Zone of areas the file does not state"),
        choices=[
            ("", _l("None: refuse the file if a zone cannot be read")),
            ("warning", _l("Landslide warning zone (土砂災害警戒区域)")),
            ("special", _l("Landslide special warning zone (土砂災害特別警戒区域)")),
        ],
        default="",
    )
    phenomenon_property = StringField(
        _l("Phenomenon property (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=60)],
    )
    phenomenon_values = TextAreaField(
        _l("Meaning of the phenomenon values (optional)"),
        validators=[Optional(), Length(max=2000)],
    )
    encoding = SelectField(
        _l("Attribute encoding of a Shapefile"),
        choices=[
            ("", _l("Detect automatically")),
            ("utf-8", "UTF-8"),
            ("cp932", "Shift_JIS (cp932)"),
        ],
        default="",
    )
    synthetic = BooleanField(_l("Made-up areas for a demo or drill (not real hazard data)"))

    def validate_depth_property(self, field: Field) -> None:
        self._only_for("flood", field, _l("Only for flood areas."))

    def validate_zone_property(self, field: Field) -> None:
        self._only_for("landslide", field, _l("Only for landslide zones."))

    validate_zone_values = validate_zone = validate_zone_property
    validate_phenomenon_property = validate_phenomenon_values = validate_zone_property

    def _only_for(self, kind: str, field: Field, message: object) -> None:
        """An option of another kind of layer would be ignored: say so instead."""
        if field.data and self.kind.data != kind:
            raise ValidationError(str(message))


def value_lines(text: str | None) -> list[str]:
    """The VALUE=MEANING entries of a text box, one a line (blank lines skipped)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ConfirmForm(FlaskForm):
    """A button that posts nothing but its CSRF token."""
