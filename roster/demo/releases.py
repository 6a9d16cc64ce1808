"""The demo's disaster-time release (災害時の名簿提供): one that has ended, a typhoon over three
towns, with what it showed to whom (ReleaseAccess rows, as the disclosure log writes them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import insert, select

from ..access.rule import PartnerAccess, partner_condition
from ..models import Agreement, DisasterRelease, Registrant, ReleaseAccess, User
from .draw import JST
from .history import PartnerHistory

#: The ended release: a typhoon over three towns, two of them the partner's.
RELEASE_TOWNS = ("田無町", "南町", "向台町")
RELEASE_BASIS = (
    "災害対策基本法第49条の11第3項。台風の接近により石神井川・新川沿いに避難指示を発令し、"
    "避難行動要支援者の生命又は身体を災害から保護するために特に必要があると認めたため。"
)


def release_day(term: Agreement) -> date:
    """The typhoon's day: the last 8 September at least two months before the end of
    the partner's previous term (which lasted two years, so the day falls inside it)."""
    latest = term.ends_on - timedelta(days=60)
    day = date(latest.year, 9, 8)
    return day if day <= latest else date(latest.year - 1, 9, 8)


def add_release(history: PartnerHistory, day: date) -> DisasterRelease:
    """The release declared on `day` and ended 40 hours later."""
    start = datetime.combine(day, time(16, 30), tzinfo=JST).astimezone(UTC)
    release = DisasterRelease(
        name=f"令和{day.year - 2018}年台風第15号（デモ）",
        legal_basis=RELEASE_BASIS,
        starts_at=start,
        ends_at=start + timedelta(days=3),
        declared_by_id=history.staff.id,
        declared_at=start - timedelta(minutes=20),
        ended_at=start + timedelta(hours=40),
        ended_by_id=history.staff.id,
        districts=history.towns(RELEASE_TOWNS),
    )
    history.session.add(release)
    history.session.flush()
    return release


def add_release_accesses(
    history: PartnerHistory,
    release: DisasterRelease,
    access: PartnerAccess,
    user: User,
    ids: list[int],
    action: str,
    at: datetime,
) -> int:
    """ReleaseAccess rows for those of `ids` (people the rule admitted under the release)
    shown only because of it, as disclosures.record_disclosure writes them."""
    shown = _shown_only_under_release(history, access, ids)
    rows = [
        {"release_id": release.id, "user_id": user.id, "registrant_id": rid,
         "action": action, "at": at}
        for rid in shown
    ]  # fmt: skip
    if rows:
        history.session.execute(insert(ReleaseAccess), rows)
    return len(rows)


def _shown_only_under_release(
    history: PartnerHistory, access: PartnerAccess, ids: list[int]
) -> list[int]:
    """Those of `ids` the rule admits only because of the release, in ID order."""
    rule = current_app.config["CONSENT_RULE"]
    wanted = set(ids)
    rows = history.session.execute(
        select(
            Registrant.id,
            Registrant.district_id,
            Registrant.consent_state,
            Registrant.consent_scope,
        ).where(partner_condition(access, rule))
    )
    return sorted(
        row.id
        for row in rows
        if row.id in wanted and access.shown_under_release(cast(Any, row), rule) is not None
    )
