"""The printable guide for partners (民生委員 and the other support organisations): signing
in, the list, printing, what to do in a disaster and what the law asks of them. It holds no
personal data; every signed-in user may read and print it (staff hand it out)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from ..labels import label
from ..models import SafetyStatus
from ..portal.columns import field_group_labels
from ..viewer import current_viewer
from ..web import municipality

#: The statuses a partner reports on the phone page, named as the page names them.
REPORTED = (
    SafetyStatus.SAFE_HOME,
    SafetyStatus.EVACUATED,
    SafetyStatus.NEEDS_HELP,
    SafetyStatus.INJURED,
    SafetyStatus.UNREACHABLE,
)

bp = Blueprint("guide", __name__, url_prefix="/guide")


@bp.get("/partner")
def partner() -> ResponseReturnValue:
    statuses = " / ".join(label(status) for status in REPORTED)
    return render_template(
        "guide/partner.html",
        statuses=statuses,
        agreement_fields=_agreement_fields(),
        contact=_contact(),
    )


def _contact() -> dict[str, Any]:
    """Who to ask: the municipality and its welfare office from the config ([office]), as far
    as they are known."""
    city = municipality()
    office = current_app.config.get("OFFICE", {})
    return {
        "city": city.name if city else "",
        "department": office.get("department", ""),
        "phone": office.get("phone", ""),
    }


def _agreement_fields() -> list[str]:
    """For a partner reading it, the field groups their agreement in force provides, so the
    guide names what they will see and no more; nothing for anyone else."""
    access = current_viewer().access
    return field_group_labels(access.agreement.fields) if access is not None else []
