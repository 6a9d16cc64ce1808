"""The partner access rule, crossed: consent state × ordinance rule × agreement status and
dates × district membership × disaster-time release × registrant status, and field lists.

The expected answer of every combination comes from a plain oracle written here from the
issue's words (49-11, the agreement, the ordinance rule), never from the code under test.
The big cross calls permissions directly; a representative subset goes through the JSON API.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.access.fetch import as_people
from roster.access.fields import AGREEMENT_FIELDS, DEFAULT_AGREEMENT_FIELDS
from roster.access.projection import project
from roster.access.rule import visible_registrants
from roster.disclosures import record_disclosure
from roster.i18n import local_today
from roster.models import (
    Agreement,
    AgreementStatus,
    CareLevel,
    ConsentState,
    DisasterRelease,
    District,
    Household,
    Mobility,
    PartnerCategory,
    Registrant,
    RegistrantStatus,
    ReleaseAccess,
    Role,
    Sex,
    Source,
    User,
)
from roster.models.base import utcnow
from roster.models.partners import scope_mask
from roster.text import search_key
from roster.viewer import viewer_of

from .conftest import AuthActions
from .factories import Factory

# ---------------------------------------------------------------------------------------------
# The axes
# ---------------------------------------------------------------------------------------------

RULES = ("opt_in", "presumed_after_no_reply", "opt_out")

CONSENTS = (
    "unconfirmed",
    "consented_in_scope",
    "consented_out_of_scope",  # a 同意 whose scope names other categories only
    "refused",
    "withdrawn",
    "presumed",
)
#: Agreement kind -> (status, start offset, end offset) in days from today; None: no agreement.
AGREEMENTS: dict[str, tuple[AgreementStatus, int, int] | None] = {
    "active": (AgreementStatus.ACTIVE, -30, 300),
    "active_starting_today": (AgreementStatus.ACTIVE, 0, 300),
    "active_ending_today": (AgreementStatus.ACTIVE, -300, 0),
    "active_not_started": (AgreementStatus.ACTIVE, 1, 300),
    "active_expired": (AgreementStatus.ACTIVE, -300, -1),
    "draft": (AgreementStatus.DRAFT, -30, 300),
    "suspended": (AgreementStatus.SUSPENDED, -30, 300),
    "terminated": (AgreementStatus.TERMINATED, -30, 300),
    "none": None,
}
RELEASES = (
    "none",
    "running_here",  # over the person's district; the agreement allows emergency provision
    "running_here_no_emergency",  # the same, but the agreement does not allow it
    "running_elsewhere",  # over another district of the agreement only
    "running_outside",  # over a district the organisation serves but the agreement leaves out
    "ended",  # over the person's district, ended by staff
    "lapsed",  # over the person's district, past its end time
    "not_started",  # over the person's district, starting tomorrow
)
PLACES = ("in", "out")  # in the agreement's districts, or in one the organisation serves only
STATUSES = tuple(RegistrantStatus)

CATEGORY = PartnerCategory.MINSEI_IIN
IN_SCOPE = scope_mask([PartnerCategory.MINSEI_IIN, PartnerCategory.JICHIKAI])
OUT_OF_SCOPE = scope_mask([PartnerCategory.JICHIKAI, PartnerCategory.FIRE])


# ---------------------------------------------------------------------------------------------
# The oracle
# ---------------------------------------------------------------------------------------------


def agreement_in_force(kind: str) -> bool:
    """Only an active agreement whose term includes today gives anything."""
    return kind in ("active", "active_starting_today", "active_ending_today")


def consent_admits(consent: str, rule: str, category: PartnerCategory = CATEGORY) -> bool:
    """Whether the person's consent lets a partner of this category see them in normal times.

    A 同意 counts for the categories it names, under every rule. A refusal or withdrawal
    never counts; nor does a 同意 naming only other categories, since the person said whom
    to share with. 推定同意 counts where the ordinance presumes consent or shares unless
    refused; silence (未確認) only where it shares unless refused. Consent forms name six
    categories; a 福祉事業所 or other partner is never admitted on consent alone.
    """
    if category in (PartnerCategory.WELFARE_PROVIDER, PartnerCategory.OTHER):
        return False
    if consent == "consented_in_scope":
        return True
    if consent == "presumed":
        return rule in ("presumed_after_no_reply", "opt_out")
    if consent == "unconfirmed":
        return rule == "opt_out"
    return False


def release_admits(release: str) -> bool:
    """A release lifts consent only while it runs, over the person's district, for an
    agreement that allows emergency provision."""
    return release == "running_here"


def expected_visible(
    rule: str, agreement: str, release: str, consent: str, place: str, status: RegistrantStatus
) -> bool:
    if status is not RegistrantStatus.ACTIVE:
        return False  # moved out, died, entered a facility: never, in any combination
    if not agreement_in_force(agreement) or place != "in":
        return False
    return consent_admits(consent, rule) or release_admits(release)


def expected_under_release(rule: str, release: str, consent: str) -> bool:
    """For a visible person: shown only because of the release."""
    return release_admits(release) and not consent_admits(consent, rule)


def expected_access_under_release(agreement: str, release: str) -> bool:
    """Whether the partner's entitlement carries a release at all."""
    return agreement_in_force(agreement) and release in ("running_here", "running_elsewhere")


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    consent: str
    place: str
    status: RegistrantStatus


CASES = tuple(Case(*c) for c in itertools.product(CONSENTS, PLACES, STATUSES))


@dataclass
class World:
    partner: User
    staff: User
    districts: dict[str, District]
    agreement: Agreement | None
    release: DisasterRelease | None
    people: dict[Case, Registrant]


_serial = itertools.count(1)


def person(district: District, consent: str, status: RegistrantStatus, **kw: Any) -> Registrant:
    """A fictional registrant with the consent state and scope cached as the rule reads them.

    Every state but 同意 carries the partner's scope bit too, as a stale cache might: the
    scope must never admit anyone on its own.
    """
    state = {
        "unconfirmed": ConsentState.UNCONFIRMED,
        "consented_in_scope": ConsentState.CONSENTED,
        "consented_out_of_scope": ConsentState.CONSENTED,
        "refused": ConsentState.REFUSED,
        "withdrawn": ConsentState.WITHDRAWN,
        "presumed": ConsentState.PRESUMED,
    }[consent]
    scope = OUT_OF_SCOPE if consent == "consented_out_of_scope" else IN_SCOPE
    n = next(_serial)
    name = f"規則 花子{n}"
    values: dict[str, Any] = dict(
        resident_no=f"{8100000000 + n}", name=name, name_kana="キソク ハナコ",
        birth_date=date(1938, 5, 5), sex=Sex.FEMALE, address=f"東京都テスト市規則町1-{n}",
        phone="042-000-0001", mobile_phone="090-0000-0001", fax="042-000-0002",
        email=f"r{n}@example.jp", reason_physical=True, support_reason_detail="歩行困難。",
        postal_code="100-0001",
        district=district, latitude=35.7, longitude=139.5, location_approximate=False,
        household=Household.ALONE, mobility=Mobility.WHEELCHAIR, care_level=CareLevel.CARE_3,
        device_ventilator=True, device_other="在宅酸素", comm_hearing=True,
        comm_language=True, language_note="ベトナム語", disability_certificate="身体1級",
        status=status, source=Source.ELIGIBLE_LIST, consent_state=state, consent_scope=scope,
        name_key=search_key(name), kana_key=search_key("キソク ハナコ"), address_key="キソクチョウ",
    )  # fmt: skip
    values.update(kw)
    return Registrant(**values)


def build(
    db: Session,
    factory: Factory,
    agreement_kind: str,
    release_kind: str,
    fields: Any = DEFAULT_AGREEMENT_FIELDS,
    category: PartnerCategory = CATEGORY,
    cases: tuple[Case, ...] = CASES,
) -> World:
    """Districts A and A2 (the agreement's) and B (served by the organisation, not in the
    agreement); the agreement and release of the kinds asked; one person per case."""
    today, now = local_today(), utcnow()
    a, a2, b = factory.district(), factory.district(), factory.district()
    organisation = factory.organisation(category, [a, a2, b])
    staff = factory.user(Role.STAFF)
    partner = factory.user(Role.PARTNER, organisation=organisation)
    agreement = None
    spec = AGREEMENTS[agreement_kind]
    if spec is not None:
        status, start, end = spec
        agreement = factory.agreement(
            organisation,
            [a, a2],
            fields=fields,
            status=status,
            starts_on=today + timedelta(days=start),
            ends_on=today + timedelta(days=end),
            emergency_provision=release_kind != "running_here_no_emergency",
            list_manager="規則 太郎",
            terminated_at=(
                now - timedelta(hours=1) if status is AgreementStatus.TERMINATED else None
            ),
        )
    release = None
    if release_kind != "none":
        starts, ends, ended = now - timedelta(hours=6), now + timedelta(days=2), None
        if release_kind == "ended":
            ended = now - timedelta(minutes=5)
        elif release_kind == "lapsed":
            starts, ends = now - timedelta(days=3), now - timedelta(minutes=5)
        elif release_kind == "not_started":
            starts = now + timedelta(days=1)
            ends = starts + timedelta(days=2)
        release = DisasterRelease(
            name="規則テスト台風",
            legal_basis="災害対策基本法第49条の11第3項",
            starts_at=starts,
            ends_at=ends,
            ended_at=ended,
            declared_by=staff,
            districts={"running_elsewhere": [a2], "running_outside": [b]}.get(
                release_kind, [a, b]
            ),
        )
        db.add(release)
    people = {c: person(a if c.place == "in" else b, c.consent, c.status) for c in cases}
    db.add_all(people.values())
    db.flush()
    return World(partner, staff, {"A": a, "A2": a2, "B": b}, agreement, release, people)


@pytest.fixture()
def rule(request: pytest.FixtureRequest, app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    value: str = request.param
    monkeypatch.setitem(app.config, "CONSENT_RULE", value)
    return value


def visible_ids(db: Session, user: User) -> set[int]:
    query = visible_registrants(viewer_of(user, db)).with_only_columns(Registrant.id)
    return set(db.scalars(query))


# ---------------------------------------------------------------------------------------------
# The cross
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("release_kind", RELEASES)
@pytest.mark.parametrize("agreement_kind", list(AGREEMENTS))
@pytest.mark.parametrize("rule", RULES, indirect=True)
def test_the_rule_admits_exactly_whom_the_law_and_the_agreement_allow(
    db: Session, factory: Factory, rule: str, agreement_kind: str, release_kind: str
) -> None:
    world = build(db, factory, agreement_kind, release_kind)
    seen = visible_ids(db, world.partner)
    access = viewer_of(world.partner, db).access
    assert (access is not None) == agreement_in_force(agreement_kind)
    if access is not None:
        assert access.under_release == expected_access_under_release(agreement_kind, release_kind)
    wrong = []
    under = set()
    for case, registrant in world.people.items():
        expected = expected_visible(
            rule, agreement_kind, release_kind, case.consent, case.place, case.status
        )
        if (registrant.id in seen) != expected:
            wrong.append(f"{case}: expected {'visible' if expected else 'hidden'}")
            continue
        if not expected:
            continue
        # (b) whether they were shown only because of the release
        shown_under = access.shown_under_release(registrant, rule) if access else None
        if expected_under_release(rule, release_kind, case.consent):
            under.add(registrant.id)
            if world.release is None or shown_under != world.release.id:
                wrong.append(f"{case}: should be shown under the release, got {shown_under}")
        elif shown_under is not None:
            wrong.append(f"{case}: shown under release {shown_under}, but consent admits them")
    assert not wrong, "\n".join(wrong)
    assert seen <= {r.id for r in world.people.values()}

    # The disclosure log writes a release row for exactly those shown only under it.
    people = [r for r in world.people.values() if r.id in seen]
    viewer = viewer_of(world.partner, db)
    record_disclosure(db, viewer, "registrant.list", as_people(viewer, people))
    logged = set(db.scalars(select(ReleaseAccess.registrant_id)))
    assert logged == under


@pytest.mark.parametrize(
    ("category", "scopes"),
    [
        (PartnerCategory.MINSEI_IIN, [PartnerCategory.MINSEI_IIN]),
        (PartnerCategory.JICHIKAI, [PartnerCategory.JICHIKAI]),
        (PartnerCategory.JISHU_BOSAI, [PartnerCategory.JISHU_BOSAI]),
        (PartnerCategory.SHAKYO, [PartnerCategory.SHAKYO]),
        (PartnerCategory.FIRE, [PartnerCategory.FIRE]),
        (PartnerCategory.POLICE, [PartnerCategory.POLICE]),
        (PartnerCategory.WELFARE_PROVIDER, []),
        (PartnerCategory.OTHER, []),
    ],
)
@pytest.mark.parametrize("release_kind", ["none", "running_here"])
@pytest.mark.parametrize("rule", RULES, indirect=True)
def test_a_consent_counts_for_the_categories_it_names_only(
    db: Session,
    factory: Factory,
    rule: str,
    release_kind: str,
    category: PartnerCategory,
    scopes: list[PartnerCategory],
) -> None:
    """Each partner category, against people whose 同意 names exactly one category each."""
    world = build(db, factory, "active", release_kind, category=category, cases=())
    a = world.districts["A"]
    named = {
        c: person(a, "consented_in_scope", RegistrantStatus.ACTIVE, consent_scope=scope_mask([c]))
        for c in PartnerCategory
        if c not in (PartnerCategory.WELFARE_PROVIDER, PartnerCategory.OTHER)
    }
    others = {
        consent: person(a, consent, RegistrantStatus.ACTIVE, consent_scope=0)
        for consent in ("unconfirmed", "presumed", "refused", "withdrawn")
    }
    db.add_all([*named.values(), *others.values()])
    db.flush()
    seen = visible_ids(db, world.partner)
    released = release_admits(release_kind)
    for scope_category, registrant in named.items():
        expected = released or scope_category in scopes
        assert (registrant.id in seen) == expected, (scope_category, expected)
    for consent, registrant in others.items():
        expected = released or consent_admits(consent, rule, category)
        assert (registrant.id in seen) == expected, (consent, expected)


# ---------------------------------------------------------------------------------------------
# Through the API: a representative subset of the cross
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "agreement_kind", "release_kind"),
    [
        ("opt_in", "active", "none"),
        ("opt_in", "active", "running_here"),
        ("opt_in", "active", "running_here_no_emergency"),
        ("presumed_after_no_reply", "active_ending_today", "running_elsewhere"),
        ("opt_out", "active", "ended"),
        ("opt_out", "active_expired", "running_here"),
        ("opt_in", "suspended", "running_here"),
        ("opt_out", "none", "running_here"),
    ],
    indirect=["rule"],
)
def test_the_api_answers_with_the_same_people(
    db: Session,
    factory: Factory,
    client: Any,
    auth: AuthActions,
    rule: str,
    agreement_kind: str,
    release_kind: str,
) -> None:
    world = build(db, factory, agreement_kind, release_kind)
    expected = {
        r.id
        for c, r in world.people.items()
        if expected_visible(rule, agreement_kind, release_kind, c.consent, c.place, c.status)
    }
    auth.login(world.partner.username)
    response = client.get("/api/v1/registrants?per_page=500")
    assert response.status_code == 200
    body = response.get_json()
    assert {item["id"] for item in body["items"]} == expected
    assert body["total"] == len(expected)
    hidden = next(r.id for r in world.people.values() if r.id not in expected)
    assert client.get(f"/api/v1/registrants/{hidden}").status_code == 404
    for rid in sorted(expected)[:2]:
        assert client.get(f"/api/v1/registrants/{rid}").status_code == 200


# ---------------------------------------------------------------------------------------------
# Field lists
# ---------------------------------------------------------------------------------------------

DEFAULT_KEYS = {
    "id", "district",
    "name", "name_kana", "birth_date", "sex", "address", "phone", "mobile_phone", "fax",
    "email", "support_categories", "household", "mobility",
    "latitude", "longitude", "location_approximate",
}  # fmt: skip
MEDICAL_KEYS = {
    "devices", "device_other", "communication", "care_level", "disability_certificate",
    "support_reason_detail",
}  # fmt: skip

#: name -> (field groups, the keys the partner may see)
FIELD_LISTS: dict[str, tuple[list[str], set[str]]] = {
    "default": (list(DEFAULT_AGREEMENT_FIELDS), DEFAULT_KEYS),
    "with_medical": (
        [*DEFAULT_AGREEMENT_FIELDS, "devices", "communication", "care_level",
         "disability_certificate", "support_reason_detail"],
        DEFAULT_KEYS | MEDICAL_KEYS,
    ),  # fmt: skip
    "fire": (
        ["name", "address", "phone", "mobility", "devices", "communication", "location"],
        {"id", "district", "name", "address", "phone", "mobile_phone", "fax", "mobility",
         "devices", "device_other", "communication", "latitude", "longitude",
         "location_approximate"},
    ),  # fmt: skip
    "minimal": (["name", "address"], {"id", "district", "name", "address"}),
    "every_group": (
        list(AGREEMENT_FIELDS),
        DEFAULT_KEYS | MEDICAL_KEYS | {"emergency_contacts"},
    ),
    "none": ([], {"id", "district"}),
    "unknown_names": (
        ["name", "resident_no", "consent_state", "status", "emergency_contact", "NAME"],
        {"id", "district", "name"},
    ),
}
#: Never for a partner, whatever the agreement says.
STAFF_ONLY_KEYS = {
    "resident_no", "postal_code", "status", "source", "last_verified_on", "consent_state",
    "version", "preferred_language",
}  # fmt: skip


def projected_keys(keys: set[str]) -> set[str]:
    """What a person's projection holds: the keys, the spoken language with the
    communication needs, and the location's precision with its approximate flag."""
    language = {"language_note"} if "communication" in keys else set()
    precision = {"location_precision"} if "location_approximate" in keys else set()
    return keys | language | precision


@pytest.mark.parametrize("field_list", list(FIELD_LISTS))
def test_the_partner_sees_exactly_the_agreements_fields(
    db: Session, factory: Factory, client: Any, auth: AuthActions, field_list: str
) -> None:
    groups, keys = FIELD_LISTS[field_list]
    assert not keys & STAFF_ONLY_KEYS
    case = Case("consented_in_scope", "in", RegistrantStatus.ACTIVE)
    world = build(db, factory, "active", "none", fields=groups, cases=(case,))
    registrant = world.people[case]
    fields = viewer_of(world.partner, db).fields
    assert fields == keys
    assert set(project(registrant, fields)) == projected_keys(keys)

    auth.login(world.partner.username)
    one = client.get(f"/api/v1/registrants/{registrant.id}")
    assert one.status_code == 200
    assert set(one.get_json()) == projected_keys(keys)
    listed = client.get("/api/v1/registrants").get_json()["items"]
    assert [set(item) for item in listed] == [projected_keys(keys)]
    if "disability_certificate" not in keys:
        assert "身体1級" not in one.get_data(as_text=True)
    if "communication" not in keys:
        assert "ベトナム語" not in one.get_data(as_text=True)


@pytest.mark.parametrize("field_list", ["default", "with_medical"])
def test_fields_follow_the_agreement_under_a_release_too(
    db: Session, factory: Factory, field_list: str
) -> None:
    """A release lifts consent, not the field list."""
    groups, keys = FIELD_LISTS[field_list]
    case = Case("refused", "in", RegistrantStatus.ACTIVE)
    world = build(db, factory, "active", "running_here", fields=groups, cases=(case,))
    assert visible_ids(db, world.partner) == {world.people[case].id}
    assert viewer_of(world.partner, db).fields == keys


# ---------------------------------------------------------------------------------------------
# Changes take effect on the next call
# ---------------------------------------------------------------------------------------------


def test_ending_the_agreement_or_the_release_cuts_access_at_once(
    db: Session, factory: Factory
) -> None:
    consenting = Case("consented_in_scope", "in", RegistrantStatus.ACTIVE)
    refusing = Case("refused", "in", RegistrantStatus.ACTIVE)
    world = build(db, factory, "active", "running_here", cases=(consenting, refusing))
    both = {world.people[consenting].id, world.people[refusing].id}
    assert visible_ids(db, world.partner) == both
    assert world.release is not None and world.agreement is not None
    world.release.ended_at = utcnow()
    db.flush()
    assert visible_ids(db, world.partner) == {world.people[consenting].id}
    world.agreement.status = AgreementStatus.TERMINATED
    world.agreement.terminated_at = utcnow()
    db.flush()
    assert visible_ids(db, world.partner) == set()
    assert viewer_of(world.partner, db).fields == frozenset()


def test_only_the_agreement_in_force_counts_among_several(db: Session, factory: Factory) -> None:
    """An expired agreement over B and a draft over A2 add nothing to the one in force over A."""
    cases = tuple(Case("consented_in_scope", p, RegistrantStatus.ACTIVE) for p in PLACES)
    world = build(db, factory, "none", "none", cases=cases)
    organisation = world.partner.organisation
    assert organisation is not None
    today = local_today()
    a, a2, b = (world.districts[k] for k in ("A", "A2", "B"))
    factory.agreement(organisation, [a], starts_on=today - timedelta(days=10),
                      ends_on=today + timedelta(days=10))  # fmt: skip
    factory.agreement(organisation, [b], starts_on=today - timedelta(days=400),
                      ends_on=today - timedelta(days=11))  # fmt: skip
    factory.agreement(organisation, [a2, b], status=AgreementStatus.DRAFT,
                      starts_on=today - timedelta(days=10),
                      ends_on=today + timedelta(days=10))  # fmt: skip
    other = factory.organisation(CATEGORY, [b])
    factory.agreement(other, [b], starts_on=today - timedelta(days=10),
                      ends_on=today + timedelta(days=10))  # fmt: skip
    assert visible_ids(db, world.partner) == {world.people[cases[0]].id}
    access = viewer_of(world.partner, db).access
    assert access is not None and access.districts == {a.id}


def test_a_partner_without_an_organisation_sees_no_one(db: Session, factory: Factory) -> None:
    world = build(db, factory, "active", "running_here")
    lone = factory.user(Role.PARTNER)
    assert viewer_of(lone, db).access is None
    assert visible_ids(db, lone) == set()
    assert viewer_of(lone, db).fields == frozenset()
    assert visible_ids(db, world.partner)  # the world itself is not empty


def test_two_releases_each_lift_consent_in_their_own_district(
    db: Session, factory: Factory
) -> None:
    cases = (Case("refused", "in", RegistrantStatus.ACTIVE),)
    world = build(db, factory, "active", "running_elsewhere", cases=cases)
    assert world.release is not None
    a = world.districts["A"]
    second = DisasterRelease(
        name="規則テスト地震", legal_basis="災害対策基本法第49条の11第3項",
        starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(days=1),
        declared_by=world.staff, districts=[a],
    )  # fmt: skip
    db.add(second)
    db.flush()
    access = viewer_of(world.partner, db).access
    assert access is not None
    assert access.released == {world.districts["A2"].id: world.release.id, a.id: second.id}
    person_ = world.people[cases[0]]
    assert visible_ids(db, world.partner) == {person_.id}
    assert access.shown_under_release(person_, "opt_in") == second.id
