"""The people of an operation as map points coloured by their current status.

Staff get [lat, lon, register number, status, approximate]: a click fetches the person's
details from /maps/people/<id>, which applies the access rule again and logs the view.
Planners get [lat, lon, status, approximate], the place rounded as the register's coarse
location is, in a random order and with no ID at all. The points are read as plain rows
through roster.access.fetch.columns from targets_query(viewer, operation), one query per
status, so the status of each point comes from the database and no person is loaded whole.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import gettext as _

from ..access.fetch import columns
from ..access.projection import COARSE_DECIMALS, coarse
from ..access.rule import Viewer
from ..extensions import DbSession
from ..labels import label
from ..maps.texts import frame_texts as map_frame_texts
from ..models import Registrant, SafetyOperation, SafetyStatus
from .operations import targets_query
from .progress import status_column, with_latest

#: Status -> colour on the map and in its legend, in the order of SafetyStatus.
STATUS_COLOURS: dict[SafetyStatus, str] = {
    SafetyStatus.UNCONFIRMED: "#9e9e9e",
    SafetyStatus.SAFE_HOME: "#2e7d32",
    SafetyStatus.EVACUATED: "#1565c0",
    SafetyStatus.NEEDS_HELP: "#d32f2f",
    SafetyStatus.INJURED: "#ad1457",
    SafetyStatus.UNREACHABLE: "#ef6c00",
    SafetyStatus.DECEASED: "#212121",
}
STATUSES = list(SafetyStatus)
IDENTIFIED_KEYS = ("id", "latitude", "longitude", "location_approximate")
PSEUDONYMOUS_KEYS = ("latitude", "longitude", "location_approximate")
EXACT_DECIMALS = 5


def legend() -> list[dict[str, str]]:
    """Each status's words and colour, in the order the points number them."""
    return [{"label": label(s), "colour": STATUS_COLOURS[s]} for s in STATUSES]


def status_points(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, identified: bool
) -> list[list[Any]]:
    """The viewer's people of the operation with a place, as described above."""
    query, latest = with_latest(targets_query(viewer, operation), operation)
    query = query.where(Registrant.latitude.is_not(None), Registrant.longitude.is_not(None))
    decimals = COARSE_DECIMALS if coarse(viewer.fields) else EXACT_DECIMALS
    status = status_column(latest)
    found: list[list[Any]] = []
    for index, code in enumerate(STATUSES):
        chosen = query.where(status == code.value).order_by(Registrant.id)
        if identified:
            for rid, lat, lon, approx in columns(session, viewer, chosen, IDENTIFIED_KEYS):
                place = [round(lat, decimals), round(lon, decimals)]
                found.append([*place, rid, index, int(bool(approx))])
        else:
            for lat, lon, approx in columns(session, viewer, chosen, PSEUDONYMOUS_KEYS):
                found.append([round(lat, decimals), round(lon, decimals), index, int(bool(approx))])
    if not identified:
        # The order must not give away who is who: the system's randomness shuffles it.
        secrets.SystemRandom().shuffle(found)
    return found


def frame_texts() -> dict[str, str]:
    """What the shared map document names: its layers and the hazard kinds."""
    return map_frame_texts(_("People of the operation"))


def map_texts() -> dict[str, str]:
    return {
        "people": _("People of the operation"),
        "loading": _("Loading…"),
        "failed": _("The details could not be loaded, or you may not see this person."),
        "status": _("Status"),
    }
