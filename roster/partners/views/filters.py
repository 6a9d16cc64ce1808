"""What partner templates print: field and term labels, snapshot values and file sizes."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from ...i18n import show_date, show_datetime
from ...labels import label
from ...models import AgreementStatus
from ..forms import field_group_label, term_label
from .blueprint import bp


@bp.app_template_global()
@bp.app_template_filter()
def agreement_field_label(group: str) -> str:
    return field_group_label(group)


@bp.app_template_global()
@bp.app_template_filter()
def agreement_term_label(name: str) -> str:
    return term_label(name)


@bp.app_template_filter()
def agreement_status_label(value: str | None) -> str:
    """A status stored in a snapshot, as its label."""
    try:
        return label(AgreementStatus(value or ""))
    except ValueError:
        return value or ""


@bp.app_template_filter()
def isodate(value: str | None) -> str:
    return show_date(date.fromisoformat(value)) if value else ""


@bp.app_template_filter()
def isodatetime(value: str | None) -> str:
    return show_datetime(datetime.fromisoformat(value)) if value else ""


@bp.app_template_filter()
def filesize(size: int | None) -> str:
    size = size or 0
    if size < 1024:
        return _("%(n)d bytes", n=size)
    if size < 1024 * 1024:
        return _("%(n)s KB", n=f"{size / 1024:,.0f}")
    return _("%(n)s MB", n=f"{size / 2**20:,.1f}")


@bp.app_template_filter()
def district_name(code: str, names: dict[str, str]) -> str:
    return names.get(code, code)
