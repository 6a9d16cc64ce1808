"""Logging what personal data was shown: every page, print, export and API answer that
returns registrants calls record_disclosure with the people it returned.

It writes one audit event and, for a partner under a disaster-time release, one
ReleaseAccess row per person shown only because of the release, so the release report can
say what was shown to whom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from sqlalchemy import insert

from .access.rule import PartnerAccess, partner_access
from .audit.operations import record_event
from .extensions import DbSession
from .models import Registrant, ReleaseAccess, User
from .models.base import utcnow


def record_disclosure(
    session: DbSession,
    user: User,
    action: str,
    registrants: Sequence[Registrant],
    *,
    object_id: int | str | None = None,
    detail: dict[str, Any] | None = None,
    access: PartnerAccess | None = None,
) -> list[int]:
    """Audit that `user` was shown `registrants`; return the releases it happened under.

    Pass `access` when the caller already holds the partner's entitlement for this request.
    """
    access = access or partner_access(user, session)
    rule = current_app.config["CONSENT_RULE"]
    under: list[dict[str, Any]] = []
    if access is not None and access.under_release:
        now = utcnow()
        for person in registrants:
            release = access.shown_under_release(person, rule)
            if release is not None:
                under.append(
                    {
                        "release_id": release,
                        "user_id": user.id,
                        "registrant_id": person.id,
                        "action": action,
                        "at": now,
                    }
                )
    releases = sorted({row["release_id"] for row in under})
    full = dict(detail or {})
    full.setdefault("ids", [r.id for r in registrants])
    if access is not None:
        full["agreement"] = access.agreement.id
    if releases:
        full["releases"] = releases
        full["under_release"] = len(under)
    record_event(
        session,
        action,
        actor=user,
        object_type="registrant",
        object_id=object_id,
        detail=full,
    )
    if under:
        session.execute(insert(ReleaseAccess), under)
    return releases
