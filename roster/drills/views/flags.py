"""Review flags on the plan pages: a drill's findings about a person, shown where the plan
is read (plan page, plan list, plan queue) and cleared by staff; and the findings a drill
report offers (phone page, entry screen).

The flags of one person are read only for a page that already shows that person (the plan
page checks the viewer first); clearing one answers 404 for a person the viewer may not see,
as for a missing flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ...access.fetch import person_or_404
from ...access.roles import has_role
from ...decorators import require
from ...extensions import db
from ...labels import label
from ...models import SERIOUS_FINDINGS, Finding, OperationKind, ReviewFlag, Role
from ...viewer import current_viewer
from ..flags import clear_flag, open_flags, open_reasons
from .blueprint import bp


class ClearForm(FlaskForm):
    """Clearing a flag: nothing but the CSRF token."""


def can_clear_flags(user: Any) -> bool:
    return has_role(user, Role.STAFF)


@bp.post("/flags/<id:flag_id>/clear")
@require(can_clear_flags)
def clear(flag_id: int) -> ResponseReturnValue:
    """Clear one flag (the plan has been looked at again) and go back to the plan page."""
    flag = db.session.get(ReviewFlag, flag_id)
    if flag is None:
        abort(404)
    viewer = current_viewer()
    person_or_404(db.session, viewer, flag.registrant_id)
    if not ClearForm().validate_on_submit():
        abort(400)
    clear_flag(db.session, viewer, flag)
    db.session.commit()
    flash(_("The drill's finding is cleared: %(reason)s", reason=flag.reason), "info")
    return redirect(url_for("plans.detail", registrant_id=flag.registrant_id), 303)


def is_drill(operation: Any) -> bool:
    return getattr(operation, "kind", None) is OperationKind.DRILL


@bp.app_context_processor
def flag_helpers() -> dict[str, Any]:
    """For templates: a person's open flags, the open reasons of many, the findings a drill
    report offers, and whether an operation is a drill."""

    def review_flags(registrant_id: int) -> list[ReviewFlag]:
        return open_flags(db.session, registrant_id)

    def flag_reasons(
        registrant_ids: Iterable[int], serious_only: bool = False
    ) -> dict[int, list[str]]:
        return open_reasons(db.session, registrant_ids, serious_only=serious_only)

    return {
        "review_flags": review_flags,
        "flag_reasons": flag_reasons,
        "drill_findings": list(Finding),
        "serious_findings": SERIOUS_FINDINGS,
        "is_drill": is_drill,
        "clear_flag_form": ClearForm,
    }


@bp.app_template_filter()
def finding_label(value: str) -> str:
    """A stored finding code (SafetyReport.findings) in words."""
    try:
        return label(Finding(value))
    except ValueError:
        return ""
