"""The law in a drill: a drill is not a disaster, so 49-11(3) never applies in one.

A drill operation's people come from roster.safety.operations.targets_query, which empties
any release from a partner's entitlement in a drill (rule_viewer). A scenario that simulates a
release only counts, by district, how many more people a release over its area would have
shown the organisations taking part: the rule's own functions (partner_condition) with and
without a release, counted by the database, never who.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, false, func, not_, or_, select

from ..access.fields import agreement_fields
from ..access.rule import PartnerAccess, agreement_in_force, partner_condition
from ..extensions import DbSession
from ..models import District, DrillScenario, Registrant, RegistrantStatus
from ..safety.operations import area_condition, rule_viewer
from .scenarios import area_draft

__all__ = ["SimulatedRow", "rule_viewer", "simulated_release"]


@dataclass(frozen=True)
class SimulatedRow:
    district: str
    #: People of the area the organisations see under the normal rule.
    shown: int
    #: How many more a release over the district would have shown them.
    more: int


def _accesses(session: DbSession, scenario: DrillScenario, today: date) -> list[PartnerAccess]:
    """The entitlement of each organisation taking part, as in force today."""
    accesses = []
    for organisation in scenario.organisations:
        agreement = agreement_in_force(session, organisation.id, today)
        if agreement is None:
            continue
        accesses.append(
            PartnerAccess(
                agreement=agreement,
                category=organisation.category,
                districts=frozenset(d.id for d in agreement.districts),
                fields=agreement_fields(agreement.fields),
            )
        )
    return accesses


def _released(access: PartnerAccess) -> PartnerAccess:
    """The entitlement with a release over every district of the agreement, if the agreement
    provides for emergency provision at all."""
    if not access.agreement.emergency_provision:
        return access
    return PartnerAccess(
        agreement=access.agreement,
        category=access.category,
        districts=access.districts,
        fields=access.fields,
        released=dict.fromkeys(access.districts, 0),
    )


def simulated_release(
    session: DbSession, scenario: DrillScenario, consent_rule: str, today: date
) -> list[SimulatedRow]:
    """By district of the area: the people the organisations taking part see, and how many
    more a release would have shown them. Counts only."""
    accesses = _accesses(session, scenario, today)
    shown = or_(false(), *(partner_condition(a, consent_rule) for a in accesses))
    would = or_(false(), *(partner_condition(_released(a), consent_rule) for a in accesses))
    query = (
        select(
            District.name,
            func.sum(_flag(shown)),
            func.sum(_flag(and_(would, not_(shown)))),
        )
        .join(Registrant, Registrant.district_id == District.id)
        .where(Registrant.status == RegistrantStatus.ACTIVE)
        .where(area_condition(area_draft(scenario)))
        .group_by(District.id, District.name, District.code)
        .order_by(District.code)
    )
    return [
        SimulatedRow(name, int(shown_n or 0), int(more or 0))
        for name, shown_n, more in session.execute(query)
    ]


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)
