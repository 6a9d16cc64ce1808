"""The demo's partner organisations, their agreements (協定), the copies they were given and
a past disaster-time release. Every organisation, person, phone number and address here is
fictional; the names end in （デモ） so that nobody mistakes them for real bodies.

What it shows:

- partners of every category: four 民生委員・児童委員 地区協議会, two 自治会・町会, two
  自主防災組織, the 社会福祉協議会, a fire station, a police station and a care office
  (organisations.py);
- agreements in every state: active (most), active but ending within 60 days, draft,
  suspended, terminated with copies still out, and expired (active, its term over) with
  every copy back; one agreement in force names no list manager, so the reminder shows
  (agreements.py);
- the demo login `partner` (民生委員 第1地区) sees five of the 22 towns, without medical
  details; the fire station's agreement includes them, to show the difference;
- the partner's ledger: copies of the current agreement, the last one older than some
  consent answers so that "changes since my last list" has something to say, and returned
  copies of the previous term, one of them printed under a release (ledger.py);
- one release that has ended (a typhoon over three towns), with what it showed to whom
  (releases.py).

This module tells that story in order: it writes the agreements, then each term's copies.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..extensions import DbSession
from ..models import (
    Agreement,
    AgreementStatus,
    DisposalMethod,
    District,
    Organisation,
    ProvisionFormat,
    Role,
    User,
)
from .agreements import AGREEMENTS, PARTNER_TOWNS, add_agreement
from .context import demo_context
from .draw import JST
from .history import PartnerHistory
from .ledger import Copy, add_copy, entitlement, people, since_left
from .releases import RELEASE_TOWNS, add_release, add_release_accesses, release_day

#: A fictional user of the 町会 whose agreement was terminated: the copies still out are theirs.
FORMER_USER = ("chokai-yanagisawa", "柳沢五丁目町会 会長（デモ）", "jichikai2")


def add_partner_history(
    session: DbSession,
    districts: dict[str, District],
    organisations: list[Organisation],
    users: dict[str, User],
    today: date,
    seed: int,
    password_hash: str,
) -> dict[str, int]:
    """Agreements, their versions, the ledger and a past release; return counts.

    Call after the registrants are in: the copies list people chosen by the access rule.
    """
    history = PartnerHistory(session, districts, organisations, users, today, seed)
    previous, current, terminated = _add_agreements(history)
    former = _former_user(history, terminated, password_hash)
    with demo_context():
        released_rows = _previous_term(history, previous, users["partner"])
        _current_term(history, current, users["partner"])
        _terminated(history, terminated, former)
    session.flush()
    return {**history.counts, "release_accesses": released_rows}


def _add_agreements(history: PartnerHistory) -> tuple[Agreement, Agreement, Agreement]:
    """Every demo agreement; return the partner's previous and current ones, and the
    terminated one."""
    agreements = [add_agreement(history, spec) for spec in AGREEMENTS]
    by_title = {spec.title: a for spec, a in zip(AGREEMENTS, agreements, strict=True)}
    terminated = next(a for a in agreements if a.status is AgreementStatus.TERMINATED)
    return by_title[AGREEMENTS[0].title], by_title[AGREEMENTS[1].title], terminated


def _former_user(history: PartnerHistory, terminated: Agreement, password_hash: str) -> User:
    """The closed account of the 町会 whose agreement was terminated."""
    username, display_name, organisation = FORMER_USER
    former = User(
        username=username,
        display_name=display_name,
        role=Role.PARTNER,
        organisation=history.organisations[organisation],
        password_hash=password_hash,
        is_demo=True,
        # Its organisation's agreement was terminated; the account was closed with it.
        is_active_account=False,
        created_at=history.moment(terminated.starts_on),
    )
    history.session.add(former)
    history.session.flush()
    return former


def _previous_term(history: PartnerHistory, agreement: Agreement, partner: User) -> int:
    """The partner's previous, expired agreement: two ordinary copies and one printed under
    the typhoon release, every one returned or destroyed when the term ended."""
    ordinary = entitlement(agreement)
    manager = agreement.list_manager
    back = agreement.ends_on + timedelta(days=12)
    first_day = agreement.starts_on + timedelta(days=25)
    add_copy(history, Copy(
        agreement, partner, ProvisionFormat.PRINT, first_day, people(history, ordinary, first_day),
        disposed=(back, DisposalMethod.RETURNED, manager),
    ))  # fmt: skip
    day, rows = _under_release(history, agreement, partner)
    later = day + timedelta(days=23)
    add_copy(history, Copy(
        agreement, partner, ProvisionFormat.CSV, later, people(history, ordinary, later),
        disposed=(back, DisposalMethod.DELETED, manager),
        note="USBメモリのデータを消去（デモ）",
    ))  # fmt: skip
    return rows


def _under_release(
    history: PartnerHistory, agreement: Agreement, partner: User
) -> tuple[date, int]:
    """The typhoon release during the previous term, the copy printed under it and what it
    showed; return the typhoon's day and the ReleaseAccess rows written."""
    day = release_day(agreement)
    release = add_release(history, day)
    released = entitlement(agreement, {d.id: release.id for d in release.districts})
    during = [t for t in RELEASE_TOWNS if history.districts[t] in agreement.districts]
    shown = people(history, released, towns=tuple(during))
    made = release.starts_at + timedelta(hours=2)
    add_copy(history, Copy(
        agreement, partner, ProvisionFormat.PRINT, made.astimezone(JST).date(), shown,
        release=release,
        at=made,
        disposed=(day + timedelta(days=4), DisposalMethod.SHREDDED, agreement.list_manager),
        note="解除後、会長立会いのもと裁断（デモ）",
    ))  # fmt: skip
    rows = add_release_accesses(history, release, released, partner, shown, "provision.print", made)
    rows += add_release_accesses(
        history, release, released, partner, shown[:5], "registrant.view", made + timedelta(hours=3)
    )
    return day, rows


def _current_term(history: PartnerHistory, agreement: Agreement, partner: User) -> None:
    """Copies under the partner's agreement in force. The first went when the second print
    came; the last is older than some answers, so "changes since my last list" has both
    people to add and lines to strike out."""
    entitled = entitlement(agreement)
    first, second, last = (history.today - timedelta(days=d) for d in (150, 100, 45))
    add_copy(history, Copy(
        agreement, partner, ProvisionFormat.PRINT, first, people(history, entitled, first),
        disposed=(last, DisposalMethod.SHREDDED, agreement.list_manager),
        note="新しい名簿の受領時に旧版を裁断（デモ）",
    ))  # fmt: skip
    town = (PARTNER_TOWNS[0],)
    on_second = people(history, entitled, second, town)
    add_copy(history, Copy(agreement, partner, ProvisionFormat.CSV, second, on_second))
    left = since_left(history, entitled, last, max(3, len(people(history, entitled, last)) // 40))
    on_last = people(history, entitled, last, also=left)
    add_copy(history, Copy(agreement, partner, ProvisionFormat.PRINT, last, on_last))


def _terminated(history: PartnerHistory, agreement: Agreement, user: User) -> None:
    """Two copies of the 町会 whose agreement was terminated, neither returned yet."""
    entitled = entitlement(agreement)
    first = agreement.starts_on + timedelta(days=30)
    add_copy(history, Copy(
        agreement, user, ProvisionFormat.PRINT, first, people(history, entitled, first)
    ))  # fmt: skip
    second = history.today - timedelta(days=35 + 60)
    add_copy(history, Copy(
        agreement, user, ProvisionFormat.CSV, second, people(history, entitled, second)
    ))  # fmt: skip
