"""Import batches for staff: the list, one batch's changes per person, and the undo of the
latest one (a confirmation page, then a POST)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from ..access.roles import can_import_registrants
from ..audit.operations import record_event
from ..decorators import require
from ..extensions import db
from ..i18n import show_date
from ..labels import label
from ..models import (
    BatchItemKind,
    CareLevel,
    District,
    ImportBatch,
    ImportBatchItem,
    RegistrantStatus,
    Sex,
)
from ..web import arg_int, city_prefix
from .batches import UndoCheck, UndoRefusedError, check_undo, latest_open_batch, undo_batch
from .review import FIELD_NAMES
from .views import bp

#: People per page of a batch, and batches per page of the list.
PER_PAGE = 200
#: Names of the fields a batch records beyond those the dry run names.
BATCH_FIELDS: dict[str, Any] = {
    **FIELD_NAMES,
    "district_id": FIELD_NAMES["district"],
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "location_approximate": _l("Approximate location"),
    "status": _l("Status"),
}
KIND_NAMES: dict[str, Any] = {
    BatchItemKind.ADDED: _l("Added"),
    BatchItemKind.CHANGED: _l("Changed"),
    BatchItemKind.STATUS: _l("Status changed"),
}
BLOCKER_REASONS: dict[str, Any] = {
    "edited": _l("Edited after the import"),
    "consent": _l("Consent recorded after the import"),
    "work": _l("Added by the import and worked on since (consent, plan, contacts, rounds)"),
}
_CODES: dict[str, Any] = {"sex": Sex, "care_level": CareLevel, "status": RegistrantStatus}


@dataclass(frozen=True)
class Page:
    page: int
    pages: int


def _batch_or_404(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def show_change(name: str, value: object, districts: dict[int, str]) -> str:
    """A recorded JSON value as the page shows it."""
    if value is None or value == "":
        return "—"
    if name in _CODES:
        return str(label(_CODES[name](value)))
    if name == "birth_date":
        return show_date(date.fromisoformat(str(value)))
    if name == "district_id":
        return districts.get(int(str(value)), "—")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


@bp.get("/batches")
@require(can_import_registrants)
def batches() -> ResponseReturnValue:
    """Every import batch, newest first: who, when, which file, how many of each change."""
    total = db.session.scalar(select(func.count(ImportBatch.id))) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(arg_int("page", 1), pages)
    rows = db.session.scalars(
        select(ImportBatch)
        .order_by(ImportBatch.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return render_template(
        "imports/batches.html",
        batches=rows,
        page=Page(page, pages),
        latest=latest_open_batch(db.session),
    )


@bp.get("/batches/<id:batch_id>")
@require(can_import_registrants)
def batch(batch_id: int) -> ResponseReturnValue:
    """One batch: the file, and per person what it added or changed (old → new)."""
    record = _batch_or_404(batch_id)
    items, page = _items_page(batch_id)
    _audit_batch_view(batch_id, items)
    return render_template(
        "imports/batch.html",
        batch=record,
        rows=_change_rows(items),
        kinds=KIND_NAMES,
        page=page,
        undoable=latest_open_batch(db.session) == batch_id and record.undone_at is None,
    )


def _audit_batch_view(batch_id: int, items: Sequence[ImportBatchItem]) -> None:
    """Who read the batch's page, and the register IDs of the people it showed."""
    record_event(
        db.session,
        "import.batch_view",
        actor=current_user,
        object_type="import_batch",
        object_id=batch_id,
        detail={"ids": [i.registrant_id for i in items]},
    )
    db.session.commit()


def _items_page(batch_id: int) -> tuple[Sequence[ImportBatchItem], Page]:
    """The batch's items on the page asked for (the last page if beyond it), and the page."""
    query = select(ImportBatchItem).where(ImportBatchItem.batch_id == batch_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(arg_int("page", 1), pages)
    items = db.session.scalars(
        query.order_by(ImportBatchItem.id).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return items, Page(page, pages)


def _change_rows(
    items: Sequence[ImportBatchItem],
) -> list[tuple[ImportBatchItem, list[tuple[str, str, str]]]]:
    """Per item, each field it changed with its old and new value as the page shows them."""
    districts = dict(db.session.execute(select(District.id, District.name)).tuples().all())
    return [
        (
            item,
            [
                (
                    str(BATCH_FIELDS.get(name, name)),
                    show_change(name, old, districts),
                    show_change(name, new, districts),
                )
                for name, (old, new) in item.changes.items()
            ],
        )
        for item in items
    ]


@bp.get("/batches/<id:batch_id>/undo")
@require(can_import_registrants)
def undo_confirm(batch_id: int) -> ResponseReturnValue:
    """What undoing the batch would do, or who stops it; the undo itself is a POST."""
    record = _batch_or_404(batch_id)
    check = check_undo(db.session, record)
    return render_template(
        "imports/undo.html", batch=record, check=check, reasons=BLOCKER_REASONS
    ), (200 if check.ok else 409)


@bp.post("/batches/<id:batch_id>/undo")
@require(can_import_registrants)
def undo(batch_id: int) -> ResponseReturnValue:
    """Undo the batch, all or nothing, or refuse naming the people later work depends on."""
    record = _batch_or_404(batch_id)
    try:
        check = undo_batch(db.session, record, current_user, city_prefix())
        db.session.commit()
    except UndoRefusedError as refused:
        db.session.rollback()
        record = _batch_or_404(batch_id)
        page = render_template(
            "imports/undo.html", batch=record, check=refused.check, reasons=BLOCKER_REASONS
        )
        return page, 409
    _flash_undone(check)
    return redirect(url_for("imports.batch", batch_id=batch_id))


def _flash_undone(check: UndoCheck) -> None:
    flash(
        _(
            "Import undone: %(restored)d people restored, %(statuses)d statuses restored, "
            "%(removed)d added people removed.",
            restored=check.restore,
            statuses=check.statuses,
            removed=check.remove,
        ),
        "info",
    )
