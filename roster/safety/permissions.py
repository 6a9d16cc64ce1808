"""Who may open the staff pages of safety confirmation: plain functions of the user, deny by
default, as roster.access.roles has them for the other pages.

Which people a page then shows, and which of their fields, is the access rule's: the pages
load people only through targets_query(viewer, operation) and roster.access.fetch.
"""

from __future__ import annotations

from typing import Any

from ..access.roles import has_role
from ..models import Role


def can_run_safety(user: Any) -> bool:
    """Starting and ending an operation, the board's lists of people, hand-offs and the
    exports: welfare staff."""
    return has_role(user, Role.STAFF)


def can_view_safety(user: Any) -> bool:
    """The list of operations and the board's counts: staff, and drill planners, who get
    counts by district and a pseudonymous map, never a person."""
    return has_role(user, Role.STAFF, Role.PLANNER)
