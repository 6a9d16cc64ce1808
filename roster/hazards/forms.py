"""Forms of the hazard pages: a layer upload, and the buttons that change stored data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

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


class ConfirmForm(FlaskForm):
    """A button that posts nothing but its CSRF token."""
