"""The printable guide for partners (民生委員 and the other support organisations): signing
in, the list, printing, what to do in a disaster and what the law asks of them. It holds no
personal data; every signed-in user may read and print it (staff hand it out)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from ..labels import label
from ..models import SafetyStatus

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
    return render_template("guide/partner.html", statuses=statuses)
