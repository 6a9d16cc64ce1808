"""The dashboard's figures: consent coverage by district and the 要確認 (due for review) backlog.

reverify_due_condition() is the one definition of 要確認; the register list and mailing rounds
should filter with it rather than restate the rule.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select

from ..access.fetch import Person, people
from ..access.rule import Viewer, visible_registrants
from ..extensions import DbSession
from ..models import (
    ConsentState,
    District,
    MailingRound,
    Registrant,
    RegistrantStatus,
    RoundMember,
)

#: Consent states in the order the dashboard shows them: sharing, not sharing, not asked yet.
STATE_ORDER: tuple[ConsentState, ...] = (
    ConsentState.CONSENTED,
    ConsentState.PRESUMED,
    ConsentState.REFUSED,
    ConsentState.WITHDRAWN,
    ConsentState.UNCONFIRMED,
)

#: How many overdue people the dashboard lists by name.
OLDEST_DUE_LIMIT = 20


# ---------------------------------------------------------------------------------------------
# 要確認: records and consent due for review.
# ---------------------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, kept inside shorter months
    (2026-03-31 minus 1 month is 2026-02-28)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reverify_cutoff(today: date, months: int) -> date:
    """Verified before this day means due for review; verified on or after it does not."""
    return months_before(today, months)


def reverify_due_condition(today: date, months: int) -> ColumnElement[bool]:
    """SQL condition on Registrant: 要確認, i.e. on the register (active) and either never
    verified or last verified before `months` months before `today`.

    `today` should be i18n.local_today() and `months` app.config["REVERIFY_MONTHS"].
    """
    cutoff = reverify_cutoff(today, months)
    return and_(
        Registrant.status == RegistrantStatus.ACTIVE,
        or_(Registrant.last_verified_on.is_(None), Registrant.last_verified_on < cutoff),
    )


#: Statuses of people no longer on the register.
INACTIVE_STATUSES = tuple(s for s in RegistrantStatus if s is not RegistrantStatus.ACTIVE)


def reverify_due_count(session: DbSession, today: date, months: int) -> int:
    """How many people are due for review: the rows reverify_due_condition() selects.

    Counted as everyone overdue, read from the last_verified_on index alone, minus the overdue
    who are no longer active, who are few and found through the status index. Counting the
    condition directly reads every active row: at 200,000 people on SQLite about 0.45 s
    against 0.03 s this way.
    """
    cutoff = reverify_cutoff(today, months)
    overdue = or_(Registrant.last_verified_on.is_(None), Registrant.last_verified_on < cutoff)
    never = (
        select(func.count()).select_from(Registrant).where(Registrant.last_verified_on.is_(None))
    )
    old = select(func.count()).select_from(Registrant).where(Registrant.last_verified_on < cutoff)
    inactive_ids = select(Registrant.id).where(Registrant.status.in_(INACTIVE_STATUSES))
    inactive = (
        select(func.count()).select_from(Registrant).where(Registrant.id.in_(inactive_ids), overdue)
    )
    query = select(never.scalar_subquery() + old.scalar_subquery() - inactive.scalar_subquery())
    return session.scalar(query) or 0


def oldest_due(
    session: DbSession, viewer: Viewer, today: date, months: int, limit: int = OLDEST_DUE_LIMIT
) -> list[Person]:
    """The people longest overdue: never verified first (oldest entries first), then by the
    day they were last verified.

    Two queries rather than one ORDER BY ... NULLS FIRST: each is answered from an index on
    both databases (PostgreSQL's default index order puts NULLs last).
    """
    active = visible_registrants(viewer).where(Registrant.status == RegistrantStatus.ACTIVE)
    never = active.where(Registrant.last_verified_on.is_(None))
    rows = people(session, viewer, never.order_by(Registrant.id).limit(limit))
    if len(rows) < limit:
        cutoff = reverify_cutoff(today, months)
        stale = active.where(Registrant.last_verified_on < cutoff)
        stale = stale.order_by(Registrant.last_verified_on, Registrant.id)
        rows += people(session, viewer, stale.limit(limit - len(rows)))
    return rows


# ---------------------------------------------------------------------------------------------
# Consent coverage by district.
# ---------------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    """Active people of one district (or of all, when district is None) by consent state."""

    district: District | None
    counts: dict[ConsentState, int] = field(default_factory=lambda: dict.fromkeys(STATE_ORDER, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, state: ConsentState) -> float:
        """The state's fraction of the row, 0.0 to 1.0 (0.0 for an empty district)."""
        return self.counts[state] / self.total if self.total else 0.0


@dataclass
class Coverage:
    rows: list[CoverageRow]
    total: CoverageRow


def consent_coverage(session: DbSession) -> Coverage:
    """Counts of active people by district and consent state, every district listed (in the
    register's district order) even when empty, and a total row.

    One GROUP BY over the index ix_registrants_consent_district (consent_state, district_id,
    status, ...): the columns are grouped in the index's order, so the database reads the
    index alone and needs no sort.
    """
    query = (
        select(Registrant.consent_state, Registrant.district_id, func.count())
        .where(Registrant.status == RegistrantStatus.ACTIVE)
        .group_by(Registrant.consent_state, Registrant.district_id)
    )
    districts = list(session.scalars(select(District).order_by(District.name_kana, District.code)))
    rows = {d.id: CoverageRow(d) for d in districts}
    total = CoverageRow(None)
    for state, district_id, count in session.execute(query):
        row = rows.get(district_id)
        if row is not None:
            row.counts[state] += count
        total.counts[state] += count
    return Coverage(list(rows.values()), total)


# ---------------------------------------------------------------------------------------------
# Mailing-round return rates: a hook for the mailing rounds (roster/rounds, in progress).
# ---------------------------------------------------------------------------------------------


@dataclass
class RoundRate:
    """One mailing round's returns: forms sent and forms that came back."""

    title: str
    sent_on: date | None
    sent: int
    returned: int

    @property
    def rate(self) -> float:
        return self.returned / self.sent if self.sent else 0.0


def round_rates(session: DbSession, limit: int = 20) -> list[RoundRate]:
    """Return rates of the newest mailing rounds: forms in the round, forms back."""
    rows = session.execute(
        select(
            MailingRound.title,
            MailingRound.sent_on,
            func.count(RoundMember.id),
            func.count(RoundMember.returned_on),
        )
        .join(RoundMember, isouter=True)
        .group_by(MailingRound.id)
        .order_by(MailingRound.id.desc())
        .limit(limit)
    ).all()
    return [RoundRate(title, sent_on, sent, returned) for title, sent_on, sent, returned in rows]
