"""Verbs for partner organisations: their name, category, contacts and the districts they serve.

Every change is audited; an edit built on an older version of the organisation is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import District, Organisation, PartnerCategory, User
from ..versioning import check_version


class DuplicateNameError(Exception):
    """Another organisation already has this name."""


@dataclass
class OrganisationData:
    name: str
    category: PartnerCategory
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    contact_address: str = ""
    notes: str = ""
    district_ids: list[int] = field(default_factory=list)


#: The organisation's plain columns, in the order the form shows them.
ORGANISATION_COLUMNS = (
    "name",
    "category",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_address",
    "notes",
)


def districts_by_id(session: DbSession, ids: list[int]) -> list[District]:
    """The districts with these IDs, in code order (unknown IDs are left out)."""
    if not ids:
        return []
    return list(
        session.scalars(select(District).where(District.id.in_(ids)).order_by(District.code))
    )


def _check_name(session: DbSession, name: str, exclude_id: int | None = None) -> None:
    query = select(Organisation.id).where(Organisation.name == name)
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    if session.scalar(query) is not None:
        raise DuplicateNameError(name)


def create_organisation(session: DbSession, data: OrganisationData, actor: User) -> Organisation:
    """Add a partner organisation with its contacts and the districts it serves."""
    _check_name(session, data.name)
    organisation = Organisation(
        **{name: getattr(data, name) for name in ORGANISATION_COLUMNS},
        districts=districts_by_id(session, data.district_ids),
    )
    session.add(organisation)
    session.flush()
    detail = {"category": data.category.value, "districts": len(organisation.districts)}
    _audit(session, "organisation.create", organisation, actor, detail)
    return organisation


def update_organisation(
    session: DbSession,
    organisation: Organisation,
    data: OrganisationData,
    expected_version: int | None,
    actor: User,
) -> list[str]:
    """Change an organisation; return the names of the fields that changed (audited).

    Refused with StaleEditError when the form was built on an older version: nothing changes.
    """
    check_version(organisation, expected_version)
    _check_name(session, data.name, exclude_id=organisation.id)
    changed = _apply(session, organisation, data)
    if changed:
        session.flush()
        _audit(session, "organisation.update", organisation, actor, {"changed": changed})
    return changed


def _apply(session: DbSession, organisation: Organisation, data: OrganisationData) -> list[str]:
    """Set what differs from `data`; return the names of the fields that changed."""
    changed = [n for n in ORGANISATION_COLUMNS if getattr(organisation, n) != getattr(data, n)]
    for name in changed:
        setattr(organisation, name, getattr(data, name))
    if {d.id for d in organisation.districts} != set(data.district_ids):
        organisation.districts = districts_by_id(session, data.district_ids)
        # The districts live in another table: touch the row so its version moves on too.
        flag_modified(organisation, "name")
        changed.append("districts")
    return changed


def _audit(
    session: DbSession,
    action: str,
    organisation: Organisation,
    actor: User,
    detail: dict[str, Any],
) -> None:
    record_event(
        session,
        action,
        actor=actor,
        object_type="organisation",
        object_id=organisation.id,
        detail=detail,
    )
