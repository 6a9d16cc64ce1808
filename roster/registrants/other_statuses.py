"""People a staff search finds under other statuses than the one the list shows.

The list shows 在籍 by default, so a search for someone moved to 施設入所 would show no one
without a word; the list says how many match under the other statuses, and which.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from ..access.roles import can_see_all_statuses
from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import Registrant, RegistrantStatus
from .queries import RegisterFilter, conditions
from .ranked import Ranked

#: Counting stops here: the list says "at least" past it, and a common name costs no more.
OTHER_STATUS_CAP = 100


def other_statuses(
    session: DbSession, viewer: Viewer, flt: RegisterFilter
) -> tuple[dict[RegistrantStatus, int], bool]:
    """How many people the search matches under each status the list does not show (at most
    OTHER_STATUS_CAP in all), and whether counting stopped at the cap. Empty when the list is
    not a search, shows every status, or the user may not choose the status."""
    if not flt.q or not can_see_all_statuses(viewer.user):
        return {}, False
    if flt.status not in RegistrantStatus.__members__.values():
        return {}, False
    filters = conditions(viewer, replace(flt, q="", status="all"))
    filters.append(Registrant.status != RegistrantStatus(flt.status))
    ids = Ranked(flt.q, viewer.fields, flt.city, filters).matching(session, OTHER_STATUS_CAP)
    if ids is None:
        return {}, False
    found = select(Registrant.status).where(Registrant.id.in_(ids)).subquery()
    rows = session.execute(select(found.c.status, func.count()).group_by(found.c.status))
    counts = {RegistrantStatus(status): int(n) for status, n in rows}
    capped = sum(counts.values()) > OTHER_STATUS_CAP
    return {s: counts[s] for s in RegistrantStatus if s in counts}, capped
