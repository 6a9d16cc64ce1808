"""The provision ledger (提供台帳): every copy of a list handed to a partner, and its return.

record_provision is the only way a print or export is made: it numbers the copy, keeps the
IDs of the people in it, and logs the disclosure (against a release if one is running).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select

from .. import permissions
from ..disclosures import record_disclosure
from ..extensions import DbSession
from ..models import Provision, ProvisionFormat, ProvisionItem, Registrant, User


def next_copy_no(session: DbSession, agreement_id: int) -> int:
    current = session.scalar(
        select(func.max(Provision.copy_no)).where(Provision.agreement_id == agreement_id)
    )
    return (current or 0) + 1


def record_provision(
    session: DbSession,
    user: User,
    access: permissions.PartnerAccess,
    format: ProvisionFormat,
    registrants: Sequence[Registrant],
) -> Provision:
    """Write the ledger row for a copy of `registrants` made by `user` now, and audit it.

    The caller has already chosen the people through the access rule; the row keeps their
    IDs in order, so staff can say later who was on which copy.
    """
    releases = record_disclosure(
        session,
        user,
        f"provision.{format.value}",
        registrants,
        detail={"format": format.value, "count": len(registrants)},
        access=access,
    )
    provision = Provision(
        organisation_id=access.agreement.organisation_id,
        agreement_id=access.agreement.id,
        release_id=releases[0] if releases else None,
        user_id=user.id,
        format=format,
        copy_no=next_copy_no(session, access.agreement.id),
        count=len(registrants),
    )
    session.add(provision)
    session.flush()
    if registrants:
        session.execute(
            insert(ProvisionItem),
            [
                {"provision_id": provision.id, "registrant_id": r.id, "line": line}
                for line, r in enumerate(registrants, start=1)
            ],
        )
    return provision
