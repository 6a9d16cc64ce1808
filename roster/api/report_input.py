"""Reading a safety report from a JSON body: every field checked, each refusal saying which
field is wrong and why. The note is never put in a message."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select

from ..extensions import DbSession
from ..models import EvacuationPlace, Finding, ReportMethod, SafetyStatus, Shelter
from ..safety.operations import ReportEntry

#: The longest note accepted, in characters.
NOTE_MAX = 1000
#: A client-made ID: what crypto.randomUUID() makes, or any short token of these characters.
CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
REQUIRED = ("registrant_id", "status", "method", "note", "client_id")

E = TypeVar("E", bound=enum.Enum)


class BadReport(ValueError):
    """The body is not a report this API accepts; the message says what to fix."""


@dataclass
class ReportRequest:
    registrant_id: int
    entry: ReportEntry


def read_report(session: DbSession, body: Any) -> ReportRequest:
    """The report the body describes; BadReport if any field is missing or wrong."""
    if not isinstance(body, dict):
        raise BadReport("the body must be a JSON object")
    missing = [name for name in REQUIRED if name not in body]
    if missing:
        raise BadReport(f"missing field(s): {', '.join(missing)}")
    place = _optional_enum(body, "evacuated_to", EvacuationPlace)
    entry = ReportEntry(
        status=_enum(body, "status", SafetyStatus),
        method=_enum(body, "method", ReportMethod),
        note=_note(body["note"]),
        evacuated_to=place,
        shelter_id=_shelter(session, body.get("place_id")),
        client_id=_client_id(body["client_id"]),
        findings=_findings(body.get("findings")),
    )
    _check_place(entry)
    return ReportRequest(_positive_int(body["registrant_id"], "registrant_id"), entry)


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadReport(f"{name} must be a positive integer")
    return value


def _codes(cls: type[enum.Enum]) -> str:
    return ", ".join(str(member.value) for member in cls)


def _enum(body: dict[str, Any], name: str, cls: type[E]) -> E:
    value = body.get(name)
    try:
        return cls(value)
    except ValueError:
        raise BadReport(f"{name} must be one of: {_codes(cls)}") from None


def _optional_enum(body: dict[str, Any], name: str, cls: type[E]) -> E | None:
    if body.get(name) is None:
        return None
    return _enum(body, name, cls)


def _note(value: Any) -> str:
    if not isinstance(value, str):
        raise BadReport("note must be a string (it may be empty)")
    if len(value) > NOTE_MAX:
        raise BadReport(f"note must be at most {NOTE_MAX} characters")
    if "\x00" in value:
        raise BadReport("note must not contain NUL characters")
    return value


def _findings(value: Any) -> tuple[Finding, ...]:
    """A drill's findings about the person: a list of Finding codes, each once."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadReport(f"findings must be a list of: {_codes(Finding)}")
    try:
        found = tuple(Finding(item) for item in value)
    except ValueError:
        raise BadReport(f"findings must be a list of: {_codes(Finding)}") from None
    return tuple(dict.fromkeys(found))


def _client_id(value: Any) -> str:
    if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
        raise BadReport("client_id must be 8 to 64 letters, digits or . _ : -")
    return value


def _shelter(session: DbSession, value: Any) -> int | None:
    if value is None:
        return None
    shelter_id = _positive_int(value, "place_id")
    if session.scalar(select(Shelter.id).where(Shelter.id == shelter_id)) is None:
        raise BadReport("place_id is not a shelter of the registry")
    return shelter_id


def _check_place(entry: ReportEntry) -> None:
    if entry.evacuated_to is not None and entry.status is not SafetyStatus.EVACUATED:
        raise BadReport("evacuated_to goes with status evacuated only")
    if entry.shelter_id is not None and entry.evacuated_to is not EvacuationPlace.SHELTER:
        raise BadReport("place_id goes with evacuated_to shelter only")
