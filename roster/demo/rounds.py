"""Demo mailing rounds: one finished, with replies recorded, and one still awaiting replies,
so the round, reply and dashboard screens show real-looking work. The people are fictional."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import DbSession
from ..models import District, PartnerCategory, RoundMember, User
from ..models.partners import CONSENT_SCOPE_CATEGORIES
from ..rounds.operations import Reply, create_round, record_reply, target_query

#: (title, people, days since sent, share of replies recorded)
ROUNDS = (
    ("2026年度 新規対象者 第1回", 60, 45, 0.6),
    ("2026年度 新規対象者 第2回", 40, 7, 0.0),
)


def add_demo_rounds(
    session: DbSession, today: date, key: bytes, seed: int = 1, reverify_months: int = 12
) -> list[int]:
    """Create the demo rounds (in two districts) and record some replies; return round IDs."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not a secret
    staff = session.scalar(select(User).where(User.username == "staff"))
    districts = list(session.scalars(select(District).order_by(District.code)))
    if staff is None or len(districts) < 2:
        return []
    created = []
    for (title, size, days_ago, replied), district in zip(ROUNDS, districts[:2], strict=True):
        ids = list(
            session.scalars(
                target_query(staff, "unanswered", district.id, today, reverify_months).limit(size)
            )
        )
        if not ids:
            continue
        mailing = create_round(
            session, staff, title, "ja", ids, today - timedelta(days=days_ago), key
        )
        mailing.sent_on = today - timedelta(days=days_ago)
        answered = mailing.members[: int(len(ids) * replied)]
        _record_replies(session, staff, answered, mailing.sent_on, rng)
        created.append(mailing.id)
    session.flush()
    return created


def _record_replies(
    session: DbSession, staff: User, members: list[RoundMember], sent_on: date, rng: random.Random
) -> None:
    """A reply from each of these members, a few days to weeks after the round was sent."""
    for member in members:
        reply = _reply(rng, sent_on)
        record_reply(session, staff, member, reply, reply.decided_on)


def _reply(rng: random.Random, sent_on: date) -> Reply:
    agrees = rng.random() < 0.8
    scope: frozenset[PartnerCategory] = frozenset(CONSENT_SCOPE_CATEGORIES)
    if agrees and rng.random() < 0.25:
        scope = frozenset(rng.sample(CONSENT_SCOPE_CATEGORIES, 3))
    return Reply(
        agrees=agrees,
        scope=scope if agrees else frozenset(),
        plan_making=agrees and rng.random() < 0.4,
        plan_sharing=agrees and rng.random() < 0.3,
        decided_on=sent_on + timedelta(days=rng.randint(3, 20)),
    )
