"""The audit trail in words: what an event is about, and its details as labelled lines."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..labels import field_label, label
from ..models import ConsentPurpose, ConsentState, ProvisionFormat, RegistrantStatus, Role

#: The kinds of thing an event is about (AuditEvent.object_type).
OBJECT_LABELS: dict[str, object] = {
    "agreement": _l("Agreement"),
    "api_token": _l("API token"),
    "corrective_action": _l("Corrective action"),
    "district": _l("District"),
    "drill_scenario": _l("Drill scenario"),
    "endpoint": _l("Page"),
    "hazard": _l("Hazard layer"),
    "hazard_layer": _l("Hazard layer"),
    "import_batch": _l("Import"),
    "organisation": _l("Organisation"),
    "plan": _l("Evacuation plan"),
    "provision": _l("Copy in the ledger"),
    "registrant": _l("Person"),
    "release": _l("Disaster-time release"),
    "round": _l("Mailing round"),
    "safety_operation": _l("Safety confirmation operation"),
    "shelter": _l("Shelter"),
    "user": _l("User"),
}

#: The keys of event details, in words; a key not here shows as it is.
DETAIL_LABELS: dict[str, object] = {
    "ids": _l("Register numbers"),
    "total": _l("Total"),
    "count": _l("Count"),
    "page": _l("Page"),
    "pages": _l("Pages"),
    "people": _l("People"),
    "members": _l("People"),
    "operation": _l("Operation"),
    "fields": _l("Fields"),
    "changed": _l("Changed"),
    "scenario": _l("Drill scenario"),
    "pseudonymous": _l("Without names"),
    "points": _l("Points"),
    "name": _l("Name"),
    "status": _l("Status"),
    "state": _l("Consent"),
    "purpose": _l("Purpose"),
    "format": _l("Format"),
    "form": _l("Form"),
    "release": _l("Release"),
    "releases": _l("Releases"),
    "under_release": _l("Shown under a release"),
    "agreement": _l("Agreement"),
    "provision": _l("Copy"),
    "copy_no": _l("Copy number"),
    "export_no": _l("Copy number"),
    "hazard": _l("Hazard layer"),
    "district": _l("District"),
    "organisation": _l("Organisation"),
    "shelter": _l("Shelter"),
    "round": _l("Mailing round"),
    "plan": _l("Evacuation plan"),
    "version": _l("Version"),
    "role": _l("Role"),
    "user": _l("User"),
    "filter": _l("Filter"),
    "rows": _l("Rows"),
    "errors": _l("Errors"),
    "searched": _l("Searched"),
    "view": _l("View"),
    "sheet": _l("Sheet"),
    "token": _l("Token"),
    "reason": _l("Reason"),
    "endpoint": _l("Page"),
    "method": _l("Method"),
    "refresh": _l("Refresh"),
}

#: Values of these keys are codes of these enums, shown by their labels.
_CODED: dict[str, Any] = {
    "status": RegistrantStatus,
    "state": ConsentState,
    "purpose": ConsentPurpose,
    "format": ProvisionFormat,
    "role": Role,
}

#: Keys whose numbers are counts (shown with a thousands separator), not numbers of things.
COUNTS = frozenset(
    {"total", "count", "points", "rows", "people", "members", "pages", "under_release"}
)

#: The pages a view of one person is recorded on (disclosures.record_view).
PAGE_LABELS: dict[str, object] = {
    "detail": _l("The person's page"),
    "edit": _l("The edit form"),
    "consent": _l("The consent form"),
    "history": _l("The change history"),
    "sheet": _l("A printed sheet"),
}

#: A list of register numbers shows at most this many; then how many more.
SHOWN_IDS = 10


def object_label(kind: str | None, object_id: str | None) -> str:
    """What an event is about, in words: 「対象者 123」."""
    if not kind:
        return ""
    words = str(OBJECT_LABELS.get(kind, kind))
    return f"{words} {object_id}" if object_id else words


def detail_lines(detail: str | None) -> list[tuple[str, str]]:
    """An event's details (stored as JSON) as (label, value) lines, in the stored order."""
    if not detail:
        return []
    try:
        data = json.loads(detail)
    except ValueError:
        return [("", detail)]
    if not isinstance(data, dict):
        return [("", _value("", data))]
    return [(str(DETAIL_LABELS.get(k, k)), _value(k, v)) for k, v in data.items()]


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None:
        return "—"
    if isinstance(value, list):
        shown = "、".join(_value(key, v) for v in value[:SHOWN_IDS])
        if len(value) > SHOWN_IDS:
            shown += _(" and %(n)s more", n=f"{len(value) - SHOWN_IDS:,}")
        return shown
    if isinstance(value, dict):
        return "、".join(f"{DETAIL_LABELS.get(k, k)}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, int):
        return f"{value:,}" if key in COUNTS else str(value)
    if key in ("fields", "changed") and isinstance(value, str):
        return field_label(value)
    if key == "page" and isinstance(value, str):
        return str(PAGE_LABELS.get(value, value))
    enum_cls = _CODED.get(key)
    if enum_cls is not None and value in set(enum_cls):
        return label(enum_cls(value))
    return str(value)
