"""Starting and ending a safety operation, its targets, and reporting on a person.

Who is in an operation for a viewer comes from roster.access.rule.visible_registrants: this
module adds the operation's area and the active status to that query and never asks on its
own who may be seen. A report on a person the viewer may not see is refused exactly as a
missing ID is (roster.access.fetch.refuse).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError

from ..access.fetch import Person, people, refuse
from ..access.rule import Viewer, visible_registrants
from ..audit.operations import record_event
from ..drills.flags import flag_findings
from ..extensions import DbSession
from ..models import (
    DisasterRelease,
    District,
    EvacuationPlace,
    Finding,
    HazardKind,
    HazardLayer,
    OperationKind,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    ReportMethod,
    Role,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
)
from ..models.base import utcnow
from ..models.drills import DrillScenario, drill_scenario_organisations
from ..versioning import check_version
from .ranking import by_priority


class SafetyRefused(Exception):
    """The operation or report cannot be made this way: `code` names why (for an API to map
    to an answer) and str() says it in the user's language."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return str(REFUSALS[self.code])


#: Why an operation or report is refused, by code, in the user's language.
REFUSALS: dict[str, Any] = {
    "staff_only": _l("Only staff start and end a safety operation."),
    "drill_staff_or_planner": _l("Only staff and drill planners start and end a drill."),
    "drill_no_release": _l("A drill never runs under a disaster-time release."),
    "no_area": _l("Choose the districts or the areas of a hazard layer the operation covers."),
    "rank_needs_flood_layer": _l("A flood depth rank goes with a flood layer only."),
    "landslide_needs_landslide_layer": _l(
        "Every landslide zone goes with a landslide layer only."
    ),
    "already_ended": _l("The operation has already ended."),
    "handoff_staff_only": _l("Only staff hand a person on."),
    "ended": _l("The operation has ended and takes no more reports."),
    "death_staff_only": _l(
        "Only staff record a death, as reported by the police or the fire service."
    ),
    "place_needs_evacuated": _l("A place of evacuation goes with the status evacuated only."),
    "shelter_needs_place": _l("A shelter goes with evacuation to a shelter only."),
    "client_id_reused": _l("This report ID was already used for another person."),
    "findings_drill_only": _l("Findings are recorded in a drill only."),
    "other_finding_needs_note": _l("A finding of “other” needs a note saying what was found."),
}


# ---------------------------------------------------------------------------------------------
# Operations: staff start and end them; nothing is deleted.
# ---------------------------------------------------------------------------------------------


@dataclass
class OperationPlan:
    """What staff name when they start an operation: the disaster and the area."""

    name: str
    disaster: str
    districts: Sequence[District] = ()
    #: A hazard layer whose areas are in the operation: flood areas of at least
    #: min_flood_rank, or every landslide zone.
    hazard_layer: HazardLayer | None = None
    min_flood_rank: int | None = None
    every_landslide_zone: bool = False
    release: DisasterRelease | None = None
    #: A disaster, or a drill (訓練: started from a drill scenario, never under a release).
    kind: OperationKind = OperationKind.REAL


def _require_staff(viewer: Viewer, kind: OperationKind = OperationKind.REAL) -> None:
    """Staff start and end operations; drill planners too, for a drill."""
    if kind is OperationKind.DRILL:
        if viewer.role not in (Role.STAFF, Role.PLANNER):
            raise SafetyRefused("drill_staff_or_planner")
    elif viewer.role is not Role.STAFF:
        raise SafetyRefused("staff_only")


def _check_area(plan: OperationPlan) -> None:
    layer = plan.hazard_layer
    if plan.min_flood_rank is not None and (layer is None or layer.kind is not HazardKind.FLOOD):
        raise SafetyRefused("rank_needs_flood_layer")
    if plan.every_landslide_zone and (layer is None or layer.kind is not HazardKind.LANDSLIDE):
        raise SafetyRefused("landslide_needs_landslide_layer")
    hazard = layer is not None and (plan.min_flood_rank is not None or plan.every_landslide_zone)
    if not plan.districts and not hazard:
        raise SafetyRefused("no_area")


def start_operation(
    session: DbSession, viewer: Viewer, plan: OperationPlan, *, now: datetime | None = None
) -> SafetyOperation:
    """Start an operation over the plan's area (staff only; a drill also by a drill
    planner), audited."""
    _require_staff(viewer, plan.kind)
    _check_area(plan)
    if plan.kind is OperationKind.DRILL and plan.release is not None:
        raise SafetyRefused("drill_no_release")
    operation = SafetyOperation(
        name=plan.name,
        disaster=plan.disaster,
        kind=plan.kind,
        districts=list(plan.districts),
        hazard_layer=plan.hazard_layer,
        min_flood_rank=plan.min_flood_rank,
        every_landslide_zone=plan.every_landslide_zone,
        release=plan.release,
        started_at=now or utcnow(),
        started_by=viewer.user,
    )
    session.add(operation)
    session.flush()
    _audit(session, "safety.start", viewer, operation, _area_detail(operation))
    return operation


def _area_detail(operation: SafetyOperation) -> dict[str, Any]:
    return {
        "districts": sorted(d.id for d in operation.districts),
        "hazard_layer": operation.hazard_layer_id,
        "min_flood_rank": operation.min_flood_rank,
        "every_landslide_zone": operation.every_landslide_zone,
        "release": operation.release_id,
    }


def end_operation(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> None:
    """End a running operation (staff only; a drill also by a drill planner), audited; an
    edit built on another version of it is refused (roster.versioning.StaleEditError) when
    the caller names the version."""
    _require_staff(viewer, operation.kind)
    if expected_version is not None:
        check_version(operation, expected_version)
    if operation.ended_at is not None:
        raise SafetyRefused("already_ended")
    operation.ended_at = now or utcnow()
    operation.ended_by = viewer.user
    session.flush()
    _audit(session, "safety.end", viewer, operation, {})


def _audit(
    session: DbSession,
    action: str,
    viewer: Viewer,
    operation: SafetyOperation,
    detail: dict[str, Any],
) -> None:
    record_event(
        session,
        action,
        actor=viewer.user,
        object_type="safety_operation",
        object_id=operation.id,
        detail={"name": operation.name, **detail},
    )


# ---------------------------------------------------------------------------------------------
# Targets: the active people in the area, as the viewer may see them.
# ---------------------------------------------------------------------------------------------


def _hazard_condition(operation: SafetyOperation) -> Any:
    """The people whose home lies in the operation's hazard areas (their hazard flags)."""
    if operation.hazard_layer_id is None:
        return false()
    flags = select(RegistrantHazard.registrant_id)
    if operation.every_landslide_zone:
        flags = flags.where(RegistrantHazard.landslide_zone.is_not(None))
    elif operation.min_flood_rank is not None:
        flags = flags.where(RegistrantHazard.flood_rank >= operation.min_flood_rank)
    else:
        return false()
    return Registrant.id.in_(flags)


def area_condition(operation: SafetyOperation) -> Any:
    """The people whose home is in the operation's area (its districts or hazard areas); an
    unsaved SafetyOperation (or a drill scenario, which has the same area fields) will do."""
    district_ids = [d.id for d in operation.districts]
    in_districts = Registrant.district_id.in_(district_ids) if district_ids else false()
    return or_(in_districts, _hazard_condition(operation))


def rule_viewer(viewer: Viewer, operation: SafetyOperation) -> Viewer:
    """The viewer as the access rule applies in this operation. A drill is not a disaster:
    49-11(3) does not apply in one, so a partner sees in a drill exactly whom the normal rule
    shows, whatever release runs meanwhile (the release is emptied from the entitlement)."""
    access = viewer.access
    if operation.kind is not OperationKind.DRILL or access is None or not access.released:
        return viewer
    return replace(viewer, access=replace(access, released={}))


def targets_query(viewer: Viewer, operation: SafetyOperation) -> Select[Registrant]:
    """The operation's people the viewer may see: built on visible_registrants(viewer), with
    no release in a drill (rule_viewer)."""
    return (
        visible_registrants(rule_viewer(viewer, operation))
        .where(Registrant.status == RegistrantStatus.ACTIVE)
        .where(area_condition(operation))
        .where(taking_part(viewer, operation))
    )


def taking_part(viewer: Viewer, operation: SafetyOperation) -> Any:
    """Whether the viewer's organisation takes part: every partner in a real operation (the
    rule alone decides whom they see); in a drill, only the organisations its scenario names."""
    access = viewer.access
    if operation.kind is not OperationKind.DRILL or access is None:
        return true()
    named = (
        select(drill_scenario_organisations.c.organisation_id)
        .join(DrillScenario, DrillScenario.id == drill_scenario_organisations.c.scenario_id)
        .where(
            DrillScenario.operation_id == operation.id,
            drill_scenario_organisations.c.organisation_id == access.agreement.organisation_id,
        )
    )
    return named.exists()


def targets(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, *where: Any
) -> list[Person]:
    """The active people in the operation's area (narrowed by the `where` conditions, e.g. one
    district), projected for the viewer, the most at risk first (roster.safety.ranking: the
    plan queue's priority)."""
    query = targets_query(viewer, operation).where(*where)
    return people(session, rule_viewer(viewer, operation), by_priority(session, query))


# ---------------------------------------------------------------------------------------------
# Reports: append-only; a resent client ID writes nothing.
# ---------------------------------------------------------------------------------------------


@dataclass
class ReportEntry:
    """What a reporter says about one person."""

    status: SafetyStatus
    method: ReportMethod
    note: str = ""
    evacuated_to: EvacuationPlace | None = None
    shelter_id: int | None = None
    #: Made by the phone that sent it; None for staff entry.
    client_id: str | None = None
    #: What a drill found about the person (refused in a real operation).
    findings: tuple[Finding, ...] = ()


def record_report(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    registrant_id: int,
    entry: ReportEntry,
    *,
    now: datetime | None = None,
) -> SafetyReport:
    """Store a report on a person of the operation the viewer may see, and return it.

    A person the viewer may not see (or not in the operation) is refused as a missing ID
    is. The same client ID again returns the first report and writes nothing. `now` is
    the report's time (default: now), for reports typed in after the fact and for tests.
    """
    _check_visible(session, viewer, operation, registrant_id)
    earlier = _sent_before(session, operation, registrant_id, entry.client_id)
    if earlier is not None:
        return earlier
    _check_entry(viewer, operation, entry)
    report = _new_report(viewer, operation, registrant_id, entry)
    report.reported_at = now or report.reported_at
    stored = _store_once(session, operation, report)
    if stored is report and report.findings:
        flag_findings(session, viewer, operation, report)
    return stored


def _check_visible(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, registrant_id: int
) -> None:
    query = targets_query(viewer, operation).where(Registrant.id == registrant_id)
    if session.scalar(query.with_only_columns(Registrant.id)) is None:
        refuse(session, viewer, registrant_id, "safety.denied")


def _check_entry(viewer: Viewer, operation: SafetyOperation, entry: ReportEntry) -> None:
    if operation.ended_at is not None:
        raise SafetyRefused("ended")
    if entry.status is SafetyStatus.DECEASED and viewer.role is not Role.STAFF:
        raise SafetyRefused("death_staff_only")
    if entry.status is not SafetyStatus.EVACUATED and entry.evacuated_to is not None:
        raise SafetyRefused("place_needs_evacuated")
    if entry.shelter_id is not None and entry.evacuated_to is not EvacuationPlace.SHELTER:
        raise SafetyRefused("shelter_needs_place")
    _check_findings(operation, entry)


def _check_findings(operation: SafetyOperation, entry: ReportEntry) -> None:
    if not entry.findings:
        return
    if operation.kind is not OperationKind.DRILL:
        raise SafetyRefused("findings_drill_only")
    if Finding.OTHER in entry.findings and not entry.note.strip():
        raise SafetyRefused("other_finding_needs_note")


def _sent_before(
    session: DbSession, operation: SafetyOperation, registrant_id: int, client_id: str | None
) -> SafetyReport | None:
    """The report already stored under this client ID, if any; one naming another person
    means the ID was reused, which is refused."""
    if client_id is None:
        return None
    found = session.scalar(
        select(SafetyReport).where(
            SafetyReport.operation_id == operation.id, SafetyReport.client_id == client_id
        )
    )
    if found is not None and found.registrant_id != registrant_id:
        raise SafetyRefused("client_id_reused")
    return found


def _new_report(
    viewer: Viewer, operation: SafetyOperation, registrant_id: int, entry: ReportEntry
) -> SafetyReport:
    user = viewer.user
    return SafetyReport(
        operation_id=operation.id,
        registrant_id=registrant_id,
        status=entry.status,
        evacuated_to=entry.evacuated_to,
        shelter_id=entry.shelter_id,
        method=entry.method,
        note=entry.note.strip(),
        reported_by_id=user.id,
        organisation_id=getattr(user, "organisation_id", None),
        reported_at=utcnow(),
        client_id=entry.client_id,
        findings=[f.value for f in dict.fromkeys(entry.findings)],
    )


def _store_once(
    session: DbSession, operation: SafetyOperation, report: SafetyReport
) -> SafetyReport:
    """Insert the report; if the same client ID won a race meanwhile, return that one."""
    registrant_id, client_id = report.registrant_id, report.client_id
    savepoint = session.begin_nested()
    try:
        session.add(report)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        found = _sent_before(session, operation, registrant_id, client_id)
        if found is None:
            raise
        return found
    savepoint.commit()
    return report


# ---------------------------------------------------------------------------------------------
# Status: derived from the latest report per person.
# ---------------------------------------------------------------------------------------------


class Statuses(dict[int, SafetyStatus]):
    """Registrant ID -> current status; a person without reports is 未確認."""

    def __missing__(self, registrant_id: int) -> SafetyStatus:
        return SafetyStatus.UNCONFIRMED


def _latest_ids(operation: SafetyOperation) -> Select[Any]:
    """The ID of the latest report on each person in the operation (ids only grow)."""
    return (
        select(func.max(SafetyReport.id))
        .where(SafetyReport.operation_id == operation.id)
        .group_by(SafetyReport.registrant_id)
    )


def latest_reports(session: DbSession, operation: SafetyOperation) -> list[SafetyReport]:
    """The latest report on each person reported on in the operation."""
    query = select(SafetyReport).where(SafetyReport.id.in_(_latest_ids(operation)))
    return list(session.scalars(query.order_by(SafetyReport.registrant_id)))


def current_status(session: DbSession, operation: SafetyOperation) -> Statuses:
    """Each person's status in the operation, from the latest report on them."""
    query = select(SafetyReport.registrant_id, SafetyReport.status).where(
        SafetyReport.id.in_(_latest_ids(operation))
    )
    return Statuses({rid: status for rid, status in session.execute(query)})
