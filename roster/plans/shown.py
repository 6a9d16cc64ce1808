"""What every plan page starts from: the person and their plan if this viewer may see them,
the facts a plan is shown with, and the disclosure log of what a page showed.

Every page goes through plan_or_404 (staff: always; a partner: only a plan shared with
them, see roster.access.rule.plan_visible), answers a hidden plan with the same 404 as a
missing one, and logs what it showed with disclose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..access.fetch import Person, person_or_404, refuse
from ..access.rule import plan_visible
from ..disclosures import record_disclosure
from ..extensions import db
from ..i18n import local_today
from ..models import Plan, Registrant, Role
from ..viewer import current_viewer
from .operations import plan_of, plan_warnings
from .review import effective_status, review_reasons


@dataclass(frozen=True)
class Shown:
    """A person whose plan this viewer may see: `person` is what pages print (the
    projection); `record` is the row behind it, for the plan's checks (warnings, review
    reasons) and staff's saves, never for output."""

    person: Person
    record: Registrant
    plan: Plan | None


def plan_or_404(registrant_id: int) -> Shown:
    """The person and their plan, if this viewer may see it.

    Staff get every person (with or without a plan); a partner only a person whose plan
    exists and plan_visible allows. Anything else is the same 404 as a missing ID, and the
    refusal is audited (plan.denied).
    """
    viewer = current_viewer()
    plan = plan_of(db.session, registrant_id)
    if (plan is None and not viewer.is_(Role.STAFF)) or not plan_visible(
        db.session, viewer, registrant_id
    ):
        refuse(db.session, viewer, registrant_id, "plan.denied")
    person = person_or_404(db.session, viewer, registrant_id, denied="plan.denied")
    # person_or_404 has just loaded the row: the identity map answers.
    record = db.session.get(Registrant, registrant_id)
    assert record is not None
    return Shown(person, record, plan)


def disclose(action: str, shown: Shown, **detail: Any) -> None:
    """Log that the page showed this person (and their plan), with the page's `detail`."""
    record_disclosure(
        db.session,
        current_viewer(),
        action,
        [shown.person],
        object_id=shown.person.registrant_id,
        detail=detail,
    )


def plan_facts(registrant: Registrant, plan: Plan | None) -> dict[str, Any]:
    """What every view of a plan shows besides its terms."""
    today = local_today()
    shelter = plan.destination_shelter if plan is not None else None
    reasons = review_reasons(plan, registrant, shelter, today) if plan is not None else []
    return {
        "today": today,
        "shelter": shelter,
        "reasons": reasons,
        "status": effective_status(plan.status, reasons) if plan is not None else None,
        "warnings": plan_warnings(db.session, registrant, shelter, today),
    }
