"""Which pages each role may use: plain functions of the user, deny by default.

A role gets nothing unless a function here grants it. Which people and which of their
fields a page may then show is the rule's (roster.access.rule).
"""

from __future__ import annotations

from typing import Any

from ..models import Role


def has_role(user: Any, *roles: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


def can_view_register(user: Any) -> bool:
    """Staff, partners and planners see a register list; what is in it differs by role."""
    return has_role(user, Role.STAFF, Role.PARTNER, Role.PLANNER)


def can_edit_registrants(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_export_register(user: Any) -> bool:
    """Staff's own copy of the list, for internal use (49-11(1)): staff only."""
    return has_role(user, Role.STAFF)


def can_act_on_many(user: Any) -> bool:
    """Ticking people in the list to change, mail or print them together: staff only."""
    return has_role(user, Role.STAFF)


def can_record_consent(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_view_consent_history(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_view_change_history(user: Any) -> bool:
    """A person's field history (変更履歴) is the welfare office's own record: staff only."""
    return has_role(user, Role.STAFF)


def can_view_dashboard(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_see_all_statuses(user: Any) -> bool:
    """Staff also see people who moved out, died or entered a facility; others only the active."""
    return has_role(user, Role.STAFF)


def can_run_rounds(user: Any) -> bool:
    """Mailing rounds print people's details and record their answers: staff only."""
    return has_role(user, Role.STAFF)


def can_import_registrants(user: Any) -> bool:
    """The eligibility import writes people from the source systems: staff only."""
    return has_role(user, Role.STAFF)


def can_manage_users(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def can_view_audit(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def can_manage_partners(user: Any) -> bool:
    """Organisations, agreements, the provision ledger and API tokens are welfare staff's."""
    return has_role(user, Role.STAFF)


def can_declare_release(user: Any) -> bool:
    """Only staff an admin has authorised may declare a disaster-time release."""
    return has_role(user, Role.STAFF) and bool(getattr(user, "may_declare_release", False))


def can_view_releases(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_use_portal(user: Any) -> bool:
    """The partner portal: a partner's own list, its prints, exports and changes."""
    return has_role(user, Role.PARTNER)


def can_view_shelters(user: Any) -> bool:
    """The shelter registry pages: staff and drill planners (the API is open to every user)."""
    return has_role(user, Role.STAFF, Role.PLANNER)


def can_edit_shelters(user: Any) -> bool:
    """Editing, adding and importing shelters: staff."""
    return has_role(user, Role.STAFF)


def can_view_map(user: Any) -> bool:
    """The map: staff and partners see people (details on a click), planners pseudonyms."""
    return has_role(user, Role.STAFF, Role.PARTNER, Role.PLANNER)


def can_manage_hazards(user: Any) -> bool:
    """Importing and deleting hazard layers, and recomputing assignments: staff only."""
    return has_role(user, Role.STAFF)


def can_view_assignment(user: Any) -> bool:
    """Shelter load per hazard, as counts only (no names): staff and drill planners."""
    return has_role(user, Role.STAFF, Role.PLANNER)


def map_identifies(user: Any) -> bool:
    """Whether the user's map points are people, by register number, whose details a click
    fetches through the access rule (staff, partners); planners get pseudonymous points that
    carry a need category and an ID made up for each map."""
    return has_role(user, Role.STAFF, Role.PARTNER)


def can_edit_plans(user: Any) -> bool:
    """Making and changing plans, and the priority queue for making them: staff."""
    return has_role(user, Role.STAFF)


def can_view_plans(user: Any) -> bool:
    """Staff see every plan; partners the plans shared with them (see plan_visible)."""
    return has_role(user, Role.STAFF, Role.PARTNER)
