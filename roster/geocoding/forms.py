"""Forms of the address-point page: an upload, and the button that places people."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField


class PointsForm(FlaskForm):
    file = FileField(
        _l("Address-point file"),
        validators=[
            FileRequired(_l("Choose the address-point file.")),
            FileAllowed(("csv",), _l("Give the CSV file, unzipped.")),
        ],
    )


class GeocodeForm(FlaskForm):
    only_approximate = BooleanField(_l("Only people at a town block (chōme) or district point"))
