"""The viewer of this request: who is looking at the register, read once per request.

roster.access takes a Viewer everywhere and knows nothing of Flask; this module builds it
from the signed-in user, the app's CONSENT_RULE and the municipality's date, once per
request (kept on flask.g), and audits a refused look-up the way the register always has.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context, request
from flask_login import current_user

from .access.fetch import as_people, registrant_for_edit
from .access.rule import Viewer, viewer_for
from .audit.operations import record_event
from .disclosures import record_view
from .extensions import DbSession, db
from .i18n import local_today
from .models import Registrant
from .models.base import utcnow


def audit_refusal(session: DbSession, user: Any, registrant_id: int, action: str) -> None:
    """Someone asked for a person they may not see, or who does not exist: logged and
    committed before the 404, which is worth knowing after a leak."""
    record_event(session, action, actor=user, object_type="registrant", object_id=registrant_id)
    session.commit()


def viewer_of(user: Any, session: DbSession | None = None) -> Viewer:
    """A Viewer for `user`, inside an app context (jobs, commands, tests): the request's own
    (current_viewer) when `user` is the one signed in, else read now."""
    if has_request_context() and user is current_user._get_current_object():
        return current_viewer()
    return _read(user, session or db.session)


def _read(user: Any, session: DbSession) -> Viewer:
    return viewer_for(
        session,
        user,
        current_app.config["CONSENT_RULE"],
        local_today(),
        utcnow(),
        on_refusal=audit_refusal,
    )


def current_viewer() -> Viewer:
    """The signed-in user's Viewer, built on the first call in a request and kept on g.

    The entry remembers its request and user: the app context (and so g) can outlive one
    request (tests push one around many), and a sign-in changes the user mid-request.
    """
    user = current_user._get_current_object()
    here = request.environ if has_request_context() else None
    cached = g.get("_roster_viewer")
    if cached is not None and here is not None and cached[0] is here and cached[1] is user:
        return cached[2]  # type: ignore[no-any-return]
    viewer = _read(user, db.session)
    if here is not None:
        g._roster_viewer = (here, user, viewer)
    return viewer


def editable_or_404(registrant_id: int, page: str) -> Registrant:
    """The record for a staff form that writes it, NOT for output (see
    access.fetch.registrant_for_edit); the same audited 404 as for a missing ID otherwise.
    A GET of the form is audited as a view of the person on `page`, and committed."""
    viewer = current_viewer()
    registrant = registrant_for_edit(db.session, viewer, registrant_id)
    if request.method == "GET":
        record_view(db.session, viewer, as_people(viewer, [registrant])[0], page)
        db.session.commit()
    return registrant
