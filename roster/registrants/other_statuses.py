"""People a staff search finds under other statuses than the one the list shows.

The list shows 在籍 by default, so a search for someone moved to 施設入所 would show no one
without a word; the list says how many match under the other statuses, and which.
"""

from __future__ import annotations

from dataclasses import replace

from ..access.roles import can_see_all_statuses
from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import RegistrantStatus
from .queries import RegisterFilter, conditions
from .ranked import Ranked

#: Counting stops here: the list says "at least" past it, and a common name costs no more.
OTHER_STATUS_CAP = 100


def other_statuses(
    session: DbSession, viewer: Viewer, flt: RegisterFilter, with_parts: bool = True
) -> tuple[dict[RegistrantStatus, int], set[RegistrantStatus]]:
    """How many people the search matches under each status the list does not show, each
    counted to OTHER_STATUS_CAP + 1 at most, and the statuses whose count stopped there (the
    list says "more than" for those). Matches of a part count only `with_parts`: not when
    the list itself passes the cap (Page.capped), as a common name's or a town's parts are
    in thousands of people and would be read again for each status. Empty when the list is
    not a search, shows every status, or the user may not choose the status."""
    if not flt.q or not can_see_all_statuses(viewer.user):
        return {}, set()
    if flt.status not in RegistrantStatus.__members__.values():
        return {}, set()
    counts: dict[RegistrantStatus, int] = {}
    capped: set[RegistrantStatus] = set()
    for status in RegistrantStatus:
        if status is RegistrantStatus(flt.status):
            continue
        filters = conditions(viewer, replace(flt, q="", status=status.value))
        found, more = Ranked(flt.q, viewer.fields, flt.city, filters).count(
            session, OTHER_STATUS_CAP, with_parts
        )
        if found:
            counts[status] = found
        if more:
            capped.add(status)
    return counts, capped
