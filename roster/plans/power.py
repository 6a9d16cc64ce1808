"""A ventilator user's destination: places with backup power first, and no save of a place
without it (or not known to have it) until the person making the plan confirms it.

A home ventilator (人工呼吸器) stops when its battery runs out, so a shelter's backup power
(非常用電源) decides whether the person can stay there. The destination select lists the
places recorded with backup power in a group of their own, before every other place; a
save that sends the person to a place without recorded backup power is held back once,
with the reason, until the "save anyway" box is ticked for that very place. A plan whose
stored destination is already that place is not asked again.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..models import Registrant, Shelter

#: The select group of places with backup power, shown first for a ventilator user.
POWER_GROUP = "power"
POWER_GROUP_LABEL = _l("With backup power (for the ventilator)")
#: The form's "save anyway" box: its value is the id of the place it confirms.
CONFIRM_FIELD = "power_confirmed"


def uses_ventilator(registrant: Registrant) -> bool:
    return bool(registrant.device_ventilator)


def power_first(
    groups: list[tuple[str, list[Shelter]]],
) -> list[tuple[str, list[Shelter]]]:
    """The select's groups with the places that have backup power taken out into a group of
    their own, first (in the kinds' order: welfare shelters first); each place is listed once."""
    powered = [s for _kind, rows in groups for s in rows if s.backup_power is True]
    if not powered:
        return groups
    rest = [(kind, [s for s in rows if s.backup_power is not True]) for kind, rows in groups]
    return [(POWER_GROUP, powered), *((kind, rows) for kind, rows in rest if rows)]


def needs_power_confirmation(
    registrant: Registrant,
    shelter: Shelter | None,
    stored_shelter_id: int | None,
    confirmed: Any,
) -> bool:
    """Whether this save must first be confirmed: a ventilator user sent to a place whose
    backup power is not recorded as present, which is not the plan's destination already,
    and the box not ticked for this place."""
    if shelter is None or not uses_ventilator(registrant) or shelter.backup_power is True:
        return False
    if stored_shelter_id == shelter.id:
        return False
    return str(confirmed or "") != str(shelter.id)
