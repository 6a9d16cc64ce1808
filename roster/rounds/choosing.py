"""Choosing whom a round goes to: the count before anything is made, and each person's form
language. A round is made only from a preview the clerk saw and confirmed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import DbSession
from ..models import District, FormLanguage, Registrant

#: The language choice that sends each person the form in their own preferred language.
PREFERRED = "preferred"

#: Districts in the register's order (its district menus: roster.access.rule.visible_districts):
#: by reading, then code. Round pages count and list people in this order.
DISTRICT_ORDER = (District.name_kana, District.code)


@dataclass(frozen=True)
class RoundPreview:
    """What creating the round would do, without names: how many people, where, in which
    language, how many more matched than one round may hold, and how many fit the choice but
    were left out because a form sent to them earlier has no reply yet."""

    count: int
    left_out: int
    by_district: list[tuple[str, int]]
    by_language: list[tuple[FormLanguage, int]]
    awaiting: int = 0

    @property
    def fitting(self) -> int:
        """Everyone who fits the choice, before anyone is left out."""
        return self.count + self.left_out + self.awaiting


def member_languages(
    session: DbSession, registrant_ids: Sequence[int], choice: str
) -> dict[int, FormLanguage]:
    """Each person's form language: the one chosen for everyone, or their own preference."""
    if choice != PREFERRED:
        return dict.fromkeys(registrant_ids, FormLanguage(choice))
    found: dict[int, FormLanguage] = {}
    for chunk in _chunks(registrant_ids):
        rows = session.execute(
            select(Registrant.id, Registrant.preferred_language).where(Registrant.id.in_(chunk))
        )
        found.update({row[0]: FormLanguage(row[1]) for row in rows})
    return {i: found.get(i, FormLanguage.JA) for i in registrant_ids}


def preview_round(
    session: DbSession,
    registrant_ids: Sequence[int],
    matched: int,
    choice: str,
    awaiting: int = 0,
) -> RoundPreview:
    """The preview of a round for these people, of `matched` who fit the choice and have no
    form out; `awaiting` more fit it but wait for a reply to an earlier form."""
    districts: Counter[int] = Counter()
    for chunk in _chunks(registrant_ids):
        rows = session.execute(select(Registrant.district_id).where(Registrant.id.in_(chunk)))
        districts.update(row[0] for row in rows)
    names = session.execute(
        select(District.id, District.name)
        .where(District.id.in_(list(districts)))
        .order_by(*DISTRICT_ORDER)
    )
    languages = Counter(member_languages(session, registrant_ids, choice).values())
    return RoundPreview(
        count=len(registrant_ids),
        left_out=max(0, matched - len(registrant_ids)),
        by_district=[(name, districts[i]) for i, name in names],
        by_language=[(lang, languages[lang]) for lang in FormLanguage if languages[lang]],
        awaiting=awaiting,
    )


def choice_key(target: str, district: str, language: str, count: int) -> str:
    """What the confirmation button carries: the choice the preview showed and its count.
    Creating refuses any other, so a changed choice or register is previewed again."""
    return f"{target}:{district}:{language}:{count}"


def round_language(languages: Mapping[int, FormLanguage]) -> FormLanguage:
    """The language most of the round's forms are in (Japanese when none)."""
    common = Counter(languages.values()).most_common(1)
    return common[0][0] if common else FormLanguage.JA


def _chunks(ids: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    """IDs in pieces small enough for one IN list on every database."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]
