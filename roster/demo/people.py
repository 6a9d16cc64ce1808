"""Fictional registrants of the demo city: identity, address, phones and emergency contacts.

Every person is made up from seeded random draws; names, addresses and phone numbers are
combinations of common parts and belong to nobody in particular.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..models import Household, LocationPrecision, RegistrantStatus, Sex, Source
from ..reasons import reason_columns
from ..text import person_keys
from .draw import Weighted, chance, day_between, digits, office_hours, one_of, years_before, zipf
from .names import CARE_OFFICES, FAMILY_NAMES, FOREIGN_NAMES, GIVEN_NAMES, SUPPORT_OFFICES, Name
from .needs import Needs, draw_household, draw_needs, support_categories, support_reason
from .places import BUILDING_NAMES, Town

CITY = "東京都西東京市"
#: Share of people whose home staff set on the map.
MANUAL_PINS = 0.12
#: Block numbers above this are written without the 丁目 (the draw stays as it was).
OMITTED_CHOME_FROM = 26

# Ages: about 80 % are 65–100, most of them 75–94; the rest 5–64.
ELDERLY_AGES = Weighted(
    [
        ((65, 69), 6),
        ((70, 74), 10),
        ((75, 79), 16),
        ((80, 84), 20),
        ((85, 89), 20),
        ((90, 94), 12),
        ((95, 100), 4),
    ]
)
YOUNG_AGES = Weighted([((5, 17), 15), ((18, 39), 30), ((40, 64), 55)])

STATUSES = Weighted(
    [
        (RegistrantStatus.ACTIVE, 94),
        (RegistrantStatus.MOVED_OUT, 2),
        (RegistrantStatus.DECEASED, 2.5),
        (RegistrantStatus.INSTITUTIONALISED, 1.5),
    ]
)
SOURCES = Weighted([(Source.ELIGIBLE_LIST, 80), (Source.SELF_APPLIED, 12), (Source.RECOMMENDED, 8)])

FAMILY = zipf(FAMILY_NAMES)

# Emergency contacts: how many, and who.
CONTACT_COUNTS = {
    Household.ALONE: Weighted([(0, 15), (1, 45), (2, 40)]),
    Household.ELDERLY_ONLY: Weighted([(0, 20), (1, 45), (2, 35)]),
    Household.WITH_OTHERS: Weighted([(0, 25), (1, 45), (2, 30)]),
}
ELDERLY_RELATIONS = Weighted(
    [
        ("長男", 25),
        ("長女", 25),
        ("次男", 8),
        ("次女", 8),
        ("配偶者", 10),
        ("姪", 4),
        ("甥", 4),
        ("長男の妻", 3),
        ("ケアマネジャー", 15),
    ]
)
YOUNG_RELATIONS = Weighted(
    [("父", 30), ("母", 35), ("兄", 8), ("姉", 8), ("相談支援専門員", 10), ("祖母", 4)]
)
#: relation: (sex, generations later than the registrant, keeps the family name).
RELATIVES: dict[str, tuple[Sex, int, float]] = {
    "長男": (Sex.MALE, 1, 1.0),
    "次男": (Sex.MALE, 1, 1.0),
    "長女": (Sex.FEMALE, 1, 0.45),
    "次女": (Sex.FEMALE, 1, 0.45),
    "姪": (Sex.FEMALE, 1, 0.3),
    "甥": (Sex.MALE, 1, 0.5),
    "長男の妻": (Sex.FEMALE, 1, 1.0),
    "父": (Sex.MALE, -1, 1.0),
    "母": (Sex.FEMALE, -1, 1.0),
    "兄": (Sex.MALE, 0, 1.0),
    "姉": (Sex.FEMALE, 0, 0.6),
    "祖母": (Sex.FEMALE, -2, 0.8),
    "妻": (Sex.FEMALE, 0, 1.0),
    "夫": (Sex.MALE, 0, 1.0),
}
PROFESSIONALS = {"ケアマネジャー": CARE_OFFICES, "相談支援専門員": SUPPORT_OFFICES}


@dataclass(frozen=True)
class TownPlace:
    """A town of the demo city with its district and representative point."""

    town: Town
    district_id: int
    longitude: float
    latitude: float


@dataclass
class Person:
    """One generated registrant: its registrants row and what the rest of the demo needs."""

    row: dict[str, Any]
    family: Name
    age: int
    birth_date: date
    needs: Needs
    place: TownPlace
    registered_on: date


def generation(year: int) -> str:
    """The name generation of a birth year: eldest (to 1934), old, middle (1960–89), young."""
    if year < 1935:
        return "eldest"
    return "old" if year < 1960 else "middle" if year < 1990 else "young"


def _with_search_keys(row: dict[str, Any]) -> dict[str, Any]:
    """The row with the keys the register is searched by: name, reading, address, phones."""
    row.update(person_keys(row, CITY))
    return row


class PersonMaker:
    """Makes fictional registrants from one seeded random.Random, one after another."""

    def __init__(self, rng: random.Random, today: date, places: list[TownPlace]) -> None:
        self.rng = rng
        self.today = today
        self.places = Weighted((place, place.town.weight) for place in places)
        # 宛名番号: an affine permutation of the id gives unique, random-looking numbers.
        self.resident_offset = rng.randrange(10**10)

    def make(self, registrant_id: int) -> Person:
        """The next person, with the given registrants.id."""
        rng = self.rng
        age, sex, birth = self._born()
        needs = draw_needs(rng, age)
        family, given = self._name(sex, birth.year, needs.language)
        household = draw_household(rng, age, needs)
        place = self.places.pick(rng)
        source = SOURCES.pick(rng)
        registered = day_between(rng, years_before(self.today, 8), self.today - timedelta(30))
        row = {
            "id": registrant_id,
            "resident_no": self.resident_no(registrant_id),
            "name": f"{family[0]} {given[0]}",
            "name_kana": f"{family[1]} {given[1]}",
            "birth_date": birth,
            "sex": sex,
            "household": household,
            **self._reasons(needs, household, age),
            "district_id": place.district_id,
            "status": STATUSES.pick(rng),
            "source": source,
            **needs.columns(),
            **self._address(place.town),
            **self._phones(place.town, age, needs),
            **self._dates(registered),
        }
        return Person(_with_search_keys(row), family, age, birth, needs, place, registered)

    def _born(self) -> tuple[int, Sex, date]:
        """An age (mostly elderly), a sex (more women among the elderly) and a birth date."""
        rng = self.rng
        youngest, oldest = (ELDERLY_AGES if chance(rng, 0.8) else YOUNG_AGES).pick(rng)
        age = rng.randint(youngest, oldest)
        sex = Sex.FEMALE if chance(rng, 0.62 if age >= 65 else 0.45) else Sex.MALE
        return age, sex, self._birth_date(age)

    def _reasons(self, needs: Needs, household: Household, age: int) -> dict[str, Any]:
        """Why the person needs support: the categories, and a sentence on the details."""
        return {
            # The sentence names illnesses and devices: 要配慮個人情報, so it is the detail.
            "support_reason_detail": support_reason(self.rng, needs, household, age),
            **reason_columns(support_categories(needs, household, age)),
        }

    def resident_no(self, registrant_id: int) -> str:
        """A unique 10-digit 宛名番号 for the id (7919357413 is coprime to 10**10)."""
        return f"{(7_919_357_413 * registrant_id + self.resident_offset) % 10**10:010d}"

    def _birth_date(self, age: int) -> date:
        latest = years_before(self.today, age)
        earliest = years_before(self.today, age + 1) + timedelta(days=1)
        return day_between(self.rng, earliest, latest)

    def _name(self, sex: Sex, birth_year: int, language: str | None) -> tuple[Name, Name]:
        rng = self.rng
        if language:
            families, female, male = FOREIGN_NAMES[language]
            return one_of(rng, families), one_of(rng, female if sex is Sex.FEMALE else male)
        return FAMILY.pick(rng), self.given_name(sex, birth_year)

    def given_name(self, sex: Sex, birth_year: int) -> Name:
        """A given name typical for the sex and birth year."""
        return one_of(self.rng, GIVEN_NAMES[(sex.value, generation(birth_year))])

    def _address(self, town: Town) -> dict[str, Any]:
        rng = self.rng
        chome, block = rng.randint(1, town.chome), rng.randint(1, 28)
        address = f"{CITY}{town.name}{chome}-{block}"
        if block > OMITTED_CHOME_FROM:
            # About one in fourteen is written without its 丁目, as some old records are:
            # it matches no 町丁目 point, so the person stays at the district's point.
            address = f"{CITY}{town.name}{block}番地"
        if chance(rng, 0.9):
            address += f"-{rng.randint(1, 25)}"
        if chance(rng, 0.25):
            room = rng.randint(1, 5) * 100 + rng.randint(1, 8)
            address += f" {one_of(rng, BUILDING_NAMES)}{room}号室"
        return {"address": address, "postal_code": town.postal_code}

    def _phones(self, town: Town, age: int, needs: Needs) -> dict[str, Any]:
        rng = self.rng
        landline = self.landline(town) if chance(rng, 0.85 if age >= 65 else 0.5) else None
        mobile = self.mobile() if chance(rng, 0.3 if age >= 65 else 0.7) else None
        if landline is None and mobile is None:
            # 49-10 asks for a way to reach everyone on the register.
            landline = self.landline(town)
        fax = landline if needs.hearing and landline and chance(rng, 0.6) else None
        return {"phone": landline, "mobile_phone": mobile, "fax": fax, "email": None}

    def landline(self, town: Town | None = None) -> str:
        """A local number: 042-4xx-xxxx, or 0422-5x-xxxx in 新町 (Musashino exchange)."""
        if town is not None and town.name == "新町":
            return f"0422-5{self.rng.randint(1, 6)}-{digits(self.rng, 4)}"
        return f"042-4{self.rng.randint(2, 6)}{digits(self.rng, 1)}-{digits(self.rng, 4)}"

    def mobile(self) -> str:
        """A mobile number, 090/080/070-xxxx-xxxx."""
        prefix = one_of(self.rng, ("090", "090", "080", "070"))
        return f"{prefix}-{digits(self.rng, 4)}-{digits(self.rng, 4)}"

    def _dates(self, registered: date) -> dict[str, Any]:
        rng = self.rng
        verified = None
        if chance(rng, 0.88):
            verified = day_between(rng, max(registered, years_before(self.today, 3)), self.today)
        created = office_hours(rng, registered)
        return {
            "last_verified_on": verified,
            "created_at": created,
            "updated_at": office_hours(rng, verified) if verified else created,
            # Staff set some homes on the map (手動); the loader places the rest by address.
            "location_precision": (
                LocationPrecision.MANUAL if chance(rng, MANUAL_PINS) else LocationPrecision.CHOME
            ),
            "version": 1,
        }

    def contacts(self, person: Person, first_id: int) -> list[dict[str, Any]]:
        """0–2 emergency contacts (emergency_contacts rows), ids from first_id on."""
        household = person.row["household"]
        count = CONTACT_COUNTS[household].pick(self.rng)
        relations = ELDERLY_RELATIONS if person.age >= 65 else YOUNG_RELATIONS
        chosen: list[str] = []
        for _ in range(20):
            if len(chosen) == count:
                break
            relation = relations.pick(self.rng)
            if relation not in chosen and self._plausible(person, relation):
                chosen.append(relation)
        return [
            {
                "id": first_id + i,
                "registrant_id": person.row["id"],
                "position": i + 1,
                **self._contact(person, relation),
            }
            for i, relation in enumerate(chosen)
        ]

    def _plausible(self, person: Person, relation: str) -> bool:
        if relation == "配偶者":
            return person.row["household"] is Household.ELDERLY_ONLY
        if relation == "ケアマネジャー":
            return person.needs.care_level.value != "none"
        if relation == "相談支援専門員":
            return person.needs.certificate is not None
        if relation == "祖母":
            return person.birth_date.year > 1995
        return True

    def _contact(self, person: Person, relation: str) -> dict[str, Any]:
        if relation in PROFESSIONALS:
            office = one_of(self.rng, PROFESSIONALS[relation])
            name = f"{self.professional_name()}（{office}）"
            return {"name": name, "relation": relation, "phone": self.landline()}
        name, relation = self.relative_name(person, relation)
        # A spouse shares the home, so the useful number is their mobile.
        phone = self.mobile() if relation in ("夫", "妻") else self._family_phone()
        return {"name": name, "relation": relation, "phone": phone}

    def _family_phone(self) -> str:
        rng = self.rng
        if chance(rng, 0.75):
            return self.mobile()
        return f"03-{digits(rng, 4)}-{digits(rng, 4)}" if chance(rng, 0.6) else self.landline()

    def professional_name(self) -> str:
        """The name of a care manager, counsellor or guardian (mostly women, born 1965–95)."""
        sex = Sex.FEMALE if chance(self.rng, 0.7) else Sex.MALE
        return f"{FAMILY.pick(self.rng)[0]} {self.given_name(sex, self.rng.randint(1965, 1995))[0]}"

    def relative_name(self, person: Person, relation: str) -> tuple[str, str]:
        """A relative's name and relation; 配偶者 becomes 夫 or 妻."""
        rng = self.rng
        if relation == "配偶者":
            sex = Sex.MALE if person.row["sex"] is Sex.FEMALE else Sex.FEMALE
            relation, generations, keeps = ("夫" if sex is Sex.MALE else "妻"), 0, 1.0
        else:
            sex, generations, keeps = RELATIVES[relation]
        family = person.family if chance(rng, keeps) else FAMILY.pick(rng)
        year = person.birth_date.year + 28 * generations + rng.randint(-4, 4)
        given = self.given_name(sex, year)
        if person.needs.language:  # a family that speaks the language too
            family, female, male = person.family, *FOREIGN_NAMES[person.needs.language][1:]
            given = one_of(rng, female if sex is Sex.FEMALE else male)
        return f"{family[0]} {given[0]}", relation
