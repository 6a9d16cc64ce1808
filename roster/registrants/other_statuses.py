"""People a staff search finds under other statuses than the one the list shows.

The list shows 在籍 by default, so a search for someone moved to 施設入所 would show no one
without a word; the list says how many match under the other statuses, and which.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from ..access.roles import can_see_all_statuses
from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import Registrant, RegistrantStatus
from .queries import RegisterFilter, conditions

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
    # Whole keys and their starts first: when they pass the cap, the parts of the keys (a
    # common name's parts are in tens of thousands of people) need not be looked at.
    for parts in (False, True):
        where = conditions(viewer, replace(flt, status="all"), parts=parts)
        where.append(Registrant.status != RegistrantStatus(flt.status))
        counts = _counted(session, where)
        capped = sum(counts.values()) > OTHER_STATUS_CAP
        if capped:
            break
    return {s: counts[s] for s in RegistrantStatus if s in counts}, capped


def _counted(session: DbSession, where: list[Any]) -> dict[RegistrantStatus, int]:
    """People matching by status, at most OTHER_STATUS_CAP + 1 in all."""
    found = (
        select(Registrant.status.label("status"))
        .where(*where)
        .limit(OTHER_STATUS_CAP + 1)
        .subquery()
    )
    rows = session.execute(select(found.c.status, func.count()).group_by(found.c.status))
    return {RegistrantStatus(status): int(n) for status, n in rows}
