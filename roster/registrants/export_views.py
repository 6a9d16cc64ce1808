"""Staff's export of the register list: the list as filtered, with a purpose, numbered and
audited (roster.registrants.exports)."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..access.roles import can_export_register
from ..decorators import require
from ..exports import CSV_TYPE, XLSX_TYPE, download
from ..extensions import db
from ..i18n import local_today
from ..labels import field_label
from ..models import ProvisionFormat
from ..viewer import current_viewer
from ..web import city_prefix
from .export_forms import ExportForm
from .exports import (
    EXPORT_LIMIT,
    count_list,
    export_file,
    filter_words,
    list_people,
    record_export,
)
from .queries import RegisterFilter
from .views import _filter_from_request, bp

#: `{{ field_label("resident_no") }}`: a register field's heading, the same on the person page,
#: the list and the export's columns.
bp.add_app_template_global(field_label, "field_label")


@bp.route("/registrants/export", methods=["GET", "POST"])
@require(can_export_register)
def export() -> ResponseReturnValue:
    """Export the list as it is filtered (the query string is the list's), for internal use:
    the purpose is asked first, and the copy is numbered and audited."""
    flt = _filter_from_request()
    viewer = current_viewer()
    total = count_list(db.session, viewer, flt)
    form = ExportForm()
    if form.validate_on_submit():
        refusal = _refusal(total)
        if refusal is None:
            return _file(form, flt)
        form.purpose.errors = [refusal]
    return render_template(
        "registrants/export.html", form=form, total=total, flt=flt, args=request.args
    ), (422 if form.errors else 200)


def _refusal(total: int) -> str | None:
    """Why this list cannot be exported, or None."""
    if total == 0:
        return _("No one is on the list, so there is nothing to export.")
    if total > EXPORT_LIMIT:
        return _(
            "The list holds more than %(limit)s people. Narrow it (by district, say) and "
            "export each part.",
            limit=f"{EXPORT_LIMIT:,}",
        )
    return None


def _file(form: ExportForm, flt: RegisterFilter) -> ResponseReturnValue:
    """Record the copy, commit (so the audit chain is not held while the file is written),
    then answer with the file."""
    viewer = current_viewer()
    fmt = ProvisionFormat(form.format.data)
    found = list_people(db.session, viewer, flt)
    copy = record_export(
        db.session,
        viewer,
        fmt,
        str(form.purpose.data),
        found,
        city_prefix(),
        filter_words(db.session, flt),
    )
    db.session.commit()
    data = export_file(copy, fmt, viewer.fields, found)
    day, number = local_today().isoformat(), copy.mark.copy_no
    name = _("Evacuation support register %(day)s copy %(no)d", day=day, no=number)
    return download(
        data,
        f"{name}.{fmt.value}",
        CSV_TYPE if fmt is ProvisionFormat.CSV else XLSX_TYPE,
        ascii_name=f"register-{day}-copy{number}.{fmt.value}",
    )
