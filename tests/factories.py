"""Factories for test data: small, explicit, and fictional."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from roster.access.fields import DEFAULT_AGREEMENT_FIELDS
from roster.consent.operations import ConsentAnswer, record_consent
from roster.models import (
    Agreement,
    AgreementStatus,
    CareLevel,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    District,
    Household,
    LocationPrecision,
    Mobility,
    Municipality,
    Organisation,
    PartnerCategory,
    Registrant,
    RegistrantStatus,
    Role,
    Sex,
    Source,
    User,
)
from roster.passwords import hash_password
from roster.text import person_keys

CITY = "東京都テスト市"  # factory.municipality() is テスト市 of 東京都
_serial = itertools.count(1)


class Factory:
    def __init__(self, session: Session, password: str) -> None:
        self.session = session
        self.password_hash = hash_password(password)

    def municipality(self, is_demo: bool = False) -> Municipality:
        m = Municipality(code="139999", name="テスト市", prefecture="東京都", is_demo=is_demo)
        self.session.add(m)
        self.session.flush()
        return m

    def district(self, name: str | None = None) -> District:
        n = next(_serial)
        d = District(code=f"T-{n:04d}", name=name or f"テスト町{n}", name_kana=f"テストチョウ{n}",
                     latitude=35.72, longitude=139.55)
        self.session.add(d)
        self.session.flush()
        return d

    def organisation(self, category: PartnerCategory = PartnerCategory.MINSEI_IIN,
                     districts: list[District] | None = None) -> Organisation:
        o = Organisation(name=f"テスト団体{next(_serial)}", category=category,
                         districts=districts or [])
        self.session.add(o)
        self.session.flush()
        return o

    def agreement(self, organisation: Organisation, districts: list[District] | None = None,
                  fields: Any = DEFAULT_AGREEMENT_FIELDS,
                  status: AgreementStatus = AgreementStatus.ACTIVE,
                  starts_on: date | None = None, ends_on: date | None = None,
                  **kw: Any) -> Agreement:
        """An agreement in force from a month ago for most of a year, unless told otherwise."""
        today = date.today()
        a = Agreement(organisation=organisation, title=f"テスト協定{next(_serial)}",
                      status=status, starts_on=starts_on or today - timedelta(days=30),
                      ends_on=ends_on or today + timedelta(days=300),
                      districts=list(organisation.districts if districts is None else districts),
                      fields=list(fields), **kw)
        self.session.add(a)
        self.session.flush()
        return a

    def user(self, role: Role, username: str | None = None,
             organisation: Organisation | None = None, **kw: Any) -> User:
        u = User(username=username or f"{role.value}{next(_serial)}", display_name="テスト利用者",
                 role=role, organisation=organisation, password_hash=self.password_hash, **kw)
        self.session.add(u)
        self.session.flush()
        return u

    def registrant(self, district: District, **overrides: Any) -> Registrant:
        n = next(_serial)
        values: dict[str, Any] = dict(
            resident_no=f"{9000000000 + n}", name=f"試験 太郎{n}", name_kana="シケン タロウ",
            birth_date=date(1940, 4, 1), sex=Sex.MALE,
            address=f"{CITY}テスト町1-{n}-1", phone="042-000-0000", reason_physical=True,
            support_reason_detail="車椅子使用",
            district=district, latitude=35.72, longitude=139.55, location_approximate=False,
            location_precision=LocationPrecision.MANUAL,
            household=Household.ALONE, mobility=Mobility.WHEELCHAIR, care_level=CareLevel.CARE_3,
            device_ventilator=True, disability_certificate="身体1級",
            status=RegistrantStatus.ACTIVE, source=Source.ELIGIBLE_LIST,
            consent_state=ConsentState.UNCONFIRMED,
        )
        values.update(overrides)
        r = Registrant(**values)
        keyed = ("name", "name_kana", "address", "phone", "mobile_phone")
        for key, value in person_keys({k: getattr(r, k) for k in keyed}, CITY).items():
            setattr(r, key, value)
        self.session.add(r)
        self.session.flush()
        return r

    def consent(self, registrant: Registrant, state: ConsentState, actor: User,
                scope: set[PartnerCategory] | None = None, on: date = date(2025, 4, 1),
                purpose: ConsentPurpose = ConsentPurpose.REGISTER_SHARING) -> None:
        record_consent(self.session, registrant, ConsentAnswer(
            purpose=purpose, state=state, method=ConsentMethod.MAIL, decided_on=on,
            scope=frozenset(scope if scope is not None else {PartnerCategory.MINSEI_IIN}),
        ), actor)

    def world(self) -> dict[str, Any]:
        """Two districts; a 民生委員 organisation serving the first under an agreement in
        force (the default fields: no medical details); a user of each role;
        one consenting, one refusing, one unasked person in district A, one consenting in B."""
        self.municipality()
        a, b = self.district("テスト町A"), self.district("テスト町B")
        org = self.organisation(PartnerCategory.MINSEI_IIN, [a])
        agreement = self.agreement(org, [a])
        users = {
            "admin": self.user(Role.ADMIN, "t_admin"),
            "staff": self.user(Role.STAFF, "t_staff"),
            "partner": self.user(Role.PARTNER, "t_partner", organisation=org),
            "planner": self.user(Role.PLANNER, "t_planner"),
        }
        consenting = self.registrant(a)
        self.consent(consenting, ConsentState.CONSENTED, users["staff"])
        refusing = self.registrant(a)
        self.consent(refusing, ConsentState.REFUSED, users["staff"])
        unasked = self.registrant(a)
        elsewhere = self.registrant(b)
        self.consent(elsewhere, ConsentState.CONSENTED, users["staff"])
        return {"districts": (a, b), "organisation": org, "agreement": agreement, "users": users,
                "consenting": consenting, "refusing": refusing, "unasked": unasked,
                "elsewhere": elsewhere}
