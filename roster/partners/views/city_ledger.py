"""The city-wide provision ledger: every copy out, to every organisation, and its CSV."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from ...access.roles import can_manage_partners
from ...audit.operations import record_event
from ...decorators import require
from ...exports import CSV_TYPE, download
from ...extensions import db
from ...i18n import local_today
from ...models import Organisation, ProvisionFormat
from ...registrants.queries import Page
from ...web import arg_int
from .. import city_ledger as ops
from .blueprint import bp


@bp.get("/ledger")
@require(can_manage_partners)
def city_ledger() -> ResponseReturnValue:
    """Every copy handed to any organisation, newest first, filtered and paged."""
    flt = ops.LedgerFilter.of(request.args)
    today = local_today()
    per_page = current_app.config["PAGE_SIZE"]
    total = ops.count_copies(db.session, flt, today)
    page_no = max(1, min(arg_int("page", 1) or 1, max(1, -(-total // per_page))))
    rows = ops.copies_page(db.session, flt, today, page_no, per_page)
    return render_template(
        "partners/city_ledger.html",
        rows=rows,
        page=Page(rows, total, page_no, per_page),
        flt=flt,
        args=request.args,
        organisations=db.session.scalars(select(Organisation).order_by(Organisation.name)),
        formats=list(ProvisionFormat),
        states={p.id: ops.state_label(p, today) for p in rows},
        must_come_back={p.id for p in rows if ops.must_come_back(p, today)},
    )


@bp.get("/ledger.csv")
@require(can_manage_partners)
def city_ledger_csv() -> ResponseReturnValue:
    """The filtered ledger as CSV; the download is audited with its filter and count."""
    flt = ops.LedgerFilter.of(request.args)
    today = local_today()
    copies = ops.all_copies(db.session, flt, today)
    record_event(
        db.session,
        "provision.ledger_export",
        actor=current_user,
        object_type="provision",
        detail={"count": len(copies), "filter": flt.args()},
    )
    db.session.commit()
    return download(ops.csv_ledger(copies, today), "provision-ledger.csv", CSV_TYPE)
