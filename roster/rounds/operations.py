"""Round verbs. They flush and audit; the view commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from ..access.fetch import Person, people
from ..access.rule import Viewer, registrant_condition, visible_registrants
from ..audit.operations import record_event
from ..consent.catalog import current_form, load_forms, parse_reference_code, reference_code
from ..consent.operations import ConsentAnswer, record_consent
from ..dashboard.queries import reverify_due_condition
from ..extensions import DbSession
from ..models import (
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    District,
    FormLanguage,
    MailingRound,
    PartnerCategory,
    Registrant,
    RegistrantStatus,
    RoundMember,
    User,
)
from ..viewer import viewer_of
from .choosing import DISTRICT_ORDER, PREFERRED, member_languages, round_language


def awaiting_reply() -> Select[int]:
    """Registrants with a form out and no reply yet."""
    return select(RoundMember.registrant_id).where(RoundMember.returned_on.is_(None))


def target_query(
    user: Any,
    target: str,
    district_id: int | None,
    today: date,
    reverify_months: int,
    *,
    with_awaiting: bool = False,
) -> Select[int]:
    """IDs of the people a new round would go to, by district in the register's order, then
    by reading; never anyone who has a form out already (unless `with_awaiting`: to count
    those left out for it).

    "unanswered": active people never asked (未確認); "due": people due for review (要確認);
    "all_active": everyone active.
    """
    conditions = [
        registrant_condition(viewer_of(user)),
        Registrant.status == RegistrantStatus.ACTIVE,
        *_chosen(target, district_id, today, reverify_months),
    ]
    if not with_awaiting:
        conditions.append(Registrant.id.not_in(awaiting_reply()))
    return (
        select(Registrant.id)
        .join(District, District.id == Registrant.district_id)
        .where(and_(*conditions))
        .order_by(*DISTRICT_ORDER, Registrant.kana_key, Registrant.id)
    )


def _chosen(
    target: str, district_id: int | None, today: date, reverify_months: int
) -> list[ColumnElement[bool]]:
    """The conditions the clerk's choice adds: whom to ask, and in which district."""
    conditions = []
    if target == "unanswered":
        conditions.append(Registrant.consent_state == ConsentState.UNCONFIRMED)
    elif target == "due":
        conditions.append(reverify_due_condition(today, reverify_months))
    if district_id:
        conditions.append(Registrant.district_id == district_id)
    return conditions


def create_round(
    session: DbSession,
    actor: User,
    title: str,
    language: str,
    registrant_ids: Sequence[int],
    today: date,
    key: bytes,
    reminder_of: MailingRound | None = None,
    languages: Mapping[int, FormLanguage] | None = None,
) -> MailingRound:
    """A round of the current form, one reference code per person. Each person gets the form
    in `language`, or in their own preferred one for PREFERRED, or as `languages` says.
    The round names the form most of them get."""
    if languages is None:
        languages = member_languages(session, registrant_ids, language)
    main = round_language(languages)
    versions = {lang: current_form(lang, today).version for lang in {main, *languages.values()}}
    mailing = _new_round(session, actor, title, versions[main], reminder_of)
    _add_members(session, mailing, {i: versions[lang] for i, lang in languages.items()}, key)
    _audit_created(session, actor, mailing, len(languages))
    return mailing


def _new_round(
    session: DbSession,
    actor: User,
    title: str,
    form_version: str,
    reminder_of: MailingRound | None,
) -> MailingRound:
    """The round's row, flushed for the ID its reference codes carry."""
    mailing = MailingRound(
        title=title,
        form_version=form_version,
        created_by=actor,
        reminder_of_id=reminder_of.id if reminder_of else None,
    )
    session.add(mailing)
    session.flush()
    return mailing


def _audit_created(session: DbSession, actor: User, mailing: MailingRound, members: int) -> None:
    """The round in the trail: how many people, and which form."""
    record_event(
        session,
        "round.create",
        actor=actor,
        object_type="round",
        object_id=mailing.id,
        detail={"members": members, "form": mailing.form_version},
    )


def _add_members(
    session: DbSession, mailing: MailingRound, versions: Mapping[int, str], key: bytes
) -> None:
    """One member per person, each with the reference code and the version of the form
    printed for them."""
    session.add_all(
        RoundMember(
            round_id=mailing.id,
            registrant_id=i,
            form_version=version,
            reference=reference_code(i, mailing.id, key=key),
        )
        for i, version in versions.items()
    )
    session.flush()


def create_reminder(
    session: DbSession, actor: User, mailing: MailingRound, today: date, key: bytes
) -> MailingRound:
    """A follow-up round for everyone in `mailing` who has not replied."""
    forms = load_forms()
    languages = {
        m.registrant_id: FormLanguage(forms[member_form(m)].language)
        for m in mailing.members
        if m.returned_on is None
    }
    title = f"{mailing.title}（再送）"
    return create_round(
        session, actor, title, PREFERRED, list(languages), today, key, mailing, languages
    )


def member_form(member: RoundMember) -> str:
    """The version of the form printed for the member (the round's, for older rounds)."""
    return member.form_version or member.round.form_version


class RoundInUse(Exception):
    """A round whose forms went out, or came back, stays: its codes are on paper."""


class RoundGone(Exception):
    """The round was deleted while the request was on its way."""


def _lock_round(session: DbSession, round_id: int) -> int | None:
    """Lock the round's row (on PostgreSQL; SQLite writes one at a time); None if gone."""
    return session.scalar(
        select(MailingRound.id).where(MailingRound.id == round_id).with_for_update()
    )


def delete_round(session: DbSession, actor: User, mailing: MailingRound) -> int:
    """Delete a round made by mistake, before its forms were sent; its codes stop working.
    Returns how many people it held. Raises RoundInUse once sent or answered."""
    if _lock_round(session, mailing.id) is None:
        raise RoundGone(mailing.id)
    session.refresh(mailing, ["sent_on", "members"])  # as they are now, under the lock
    if not deletable(mailing):
        raise RoundInUse(mailing.id)
    count = len(mailing.members)
    record_event(
        session,
        "round.delete",
        actor=actor,
        object_type="round",
        object_id=mailing.id,
        detail={"members": count, "form": mailing.form_version},
    )
    session.delete(mailing)
    session.flush()
    return count


def deletable(mailing: MailingRound) -> bool:
    """Not sent, and no reply or presumption recorded against it."""
    return mailing.sent_on is None and not any(
        m.returned_on or m.presumed_on for m in mailing.members
    )


def reminder_due(mailing: MailingRound, today: date, after_days: int) -> bool:
    """Staff may send a reminder once the forms have been out for after_days with no reply."""
    return (
        mailing.sent_on is not None
        and (today - mailing.sent_on).days >= after_days
        and any(m.returned_on is None for m in mailing.members)
    )


def mark_sent(session: DbSession, actor: User, mailing: MailingRound, on: date) -> None:
    mailing.sent_on = on
    record_event(session, "round.sent", actor=actor, object_type="round", object_id=mailing.id)


def find_member(session: DbSession, text: str, key: bytes) -> RoundMember | None:
    """The round member a typed or scanned reference code names, or None."""
    try:
        registrant_id, round_id = parse_reference_code(text, key=key)
    except ValueError:
        return None
    return session.scalar(
        select(RoundMember).where(
            RoundMember.registrant_id == registrant_id, RoundMember.round_id == round_id
        )
    )


@dataclass(frozen=True)
class Reply:
    """What a returned form says."""

    agrees: bool
    scope: frozenset[PartnerCategory]
    plan_making: bool
    plan_sharing: bool
    decided_on: date
    proxy_name: str | None = None
    proxy_relation: str | None = None


def record_reply(
    session: DbSession, actor: User, member: RoundMember, reply: Reply, today: date
) -> None:
    """Append the consent records a returned form gives, and mark the form returned.

    Unticked plan boxes record nothing: silence on a form is not a refusal. The round's row
    is locked first, so a deletion and a reply never cross: a reply to a round deleted
    meanwhile raises RoundGone and records nothing.
    """
    if _lock_round(session, member.round_id) is None:
        raise RoundGone(member.round_id)
    for answer in _answers(member, reply):
        record_consent(session, member.registrant, answer, actor)
    member.returned_on = today
    session.flush()


def _answers(member: RoundMember, reply: Reply) -> list[ConsentAnswer]:
    """The register-sharing answer, and a plan answer for each ticked plan box."""
    base = _sharing_answer(member, reply)
    answers = [base]
    consented = ConsentState.CONSENTED
    if reply.plan_making:
        answers.append(
            replace(base, purpose=ConsentPurpose.PLAN_MAKING, scope=frozenset(), state=consented)
        )
    if reply.plan_sharing:
        answers.append(
            replace(base, purpose=ConsentPurpose.PLAN_SHARING, scope=reply.scope, state=consented)
        )
    return answers


def _sharing_answer(member: RoundMember, reply: Reply) -> ConsentAnswer:
    """Yes or no to sharing the register (with the categories ticked), by mail."""
    return ConsentAnswer(
        purpose=ConsentPurpose.REGISTER_SHARING,
        state=ConsentState.CONSENTED if reply.agrees else ConsentState.REFUSED,
        method=ConsentMethod.MAIL,
        decided_on=reply.decided_on,
        scope=reply.scope if reply.agrees else frozenset(),
        form_version=member_form(member),
        proxy_name=reply.proxy_name,
        proxy_relation=reply.proxy_relation,
    )


def presumption_due(
    mailing: MailingRound, today: date, rule: str, after_days: int
) -> list[RoundMember]:
    """Members whose silence may now count as 推定同意: only under that ordinance rule, only
    after_days after the forms went out, and never twice."""
    if rule != "presumed_after_no_reply" or mailing.sent_on is None:
        return []
    if (today - mailing.sent_on).days < after_days:
        return []
    return [m for m in mailing.members if m.returned_on is None and m.presumed_on is None]


def presume_consent(
    session: DbSession, actor: User, members: Sequence[RoundMember], today: date, basis: str
) -> int:
    """Record 推定同意 for each silent member, dated today, citing the notice and the basis.

    An explicit refusal or withdrawal in the history still wins (roster.access.consent.STRENGTH).
    """
    for member in members:
        record_consent(session, member.registrant, _presumed(member, today, basis), actor)
        member.presumed_on = today
    session.flush()
    return len(members)


def _presumed(member: RoundMember, today: date, basis: str) -> ConsentAnswer:
    """推定同意 to sharing the register, citing the round's notice and the basis."""
    mailing = member.round
    return ConsentAnswer(
        purpose=ConsentPurpose.REGISTER_SHARING,
        state=ConsentState.PRESUMED,
        method=ConsentMethod.PRESUMPTION,
        decided_on=today,
        notice_sent_on=mailing.sent_on,
        form_version=member_form(member),
        note=f"{basis}（{mailing.title}、照合番号 {member.reference}）",
    )


@dataclass(frozen=True)
class VisitPage:
    district: District
    people: list[Person]


def visit_pages(
    session: DbSession,
    viewer: Viewer,
    districts: Sequence[District],
    today: date,
    reverify_months: int,
) -> list[VisitPage]:
    """Per district, the active people to visit: never asked (未確認) or due for review, as
    roster.access.fetch loads them for the viewer."""
    pages = []
    for district in districts:
        query = _to_visit(viewer, district, today, reverify_months)
        pages.append(VisitPage(district, people(session, viewer, query)))
    return pages


def _to_visit(
    viewer: Viewer, district: District, today: date, reverify_months: int
) -> Select[Registrant]:
    """The district's active people never asked or due for review, by address."""
    return (
        visible_registrants(viewer)
        .where(
            Registrant.district_id == district.id,
            Registrant.status == RegistrantStatus.ACTIVE,
            or_(
                Registrant.consent_state == ConsentState.UNCONFIRMED,
                reverify_due_condition(today, reverify_months),
            ),
        )
        .order_by(Registrant.address_key)
    )
