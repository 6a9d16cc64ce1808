"""The forms of staff's register tools: the export's purpose and format."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired

from ..models import ProvisionFormat
from .exports import PURPOSES


class ExportForm(FlaskForm):
    """Why the copy is made (required, nothing chosen beforehand) and in which format."""

    purpose = SelectField(
        _l("Purpose"),
        choices=[("", _l("Choose the purpose")), *PURPOSES.items()],
        validators=[InputRequired(_l("Choose the purpose of the copy."))],
    )
    format = RadioField(
        _l("Format"),
        choices=[
            (ProvisionFormat.XLSX.value, _l("Excel (.xlsx)")),
            (ProvisionFormat.CSV.value, _l("CSV (UTF-8)")),
        ],
        default=ProvisionFormat.XLSX.value,
        validators=[InputRequired(_l("Choose a format."))],
    )

