"""The demo's partner organisations, their agreements (協定), the copies they were given and
a past disaster-time release. Every organisation, person, phone number and address here is
fictional; the names end in （デモ） so that nobody mistakes them for real bodies.

What it shows:

- partners of every category: four 民生委員・児童委員 地区協議会, two 自治会・町会, two
  自主防災組織, the 社会福祉協議会, a fire station, a police station and a care office;
- agreements in every state: active (most), active but ending within 60 days, draft,
  suspended, terminated with copies still out, and expired (active, its term over) with
  every copy back; one agreement in force names no list manager, so the reminder shows;
- the demo login `partner` (民生委員 第1地区) sees five of the 22 towns, without medical
  details; the fire station's agreement includes them, to show the difference;
- the partner's ledger: copies of the current agreement, the last one older than some
  consent answers so that "changes since my last list" has something to say, and returned
  copies of the previous term, one of them printed under a release;
- one release that has ended (a typhoon over three towns), with what it showed to whom.

The people on each copy are chosen with the access rule itself (partner_condition),
in SQL; items are written with bulk INSERTs, so 200,000 registrants cost a few queries.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from flask import Flask, current_app, has_app_context
from sqlalchemy import and_, insert, or_, select

from ..access.consent import register_sharing_allows
from ..access.fields import AGREEMENT_FIELDS, DEFAULT_AGREEMENT_FIELDS, agreement_fields
from ..access.rule import PartnerAccess, partner_condition
from ..extensions import DbSession
from ..models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    ConsentRecord,
    ConsentState,
    DisasterRelease,
    DisposalMethod,
    District,
    Organisation,
    PartnerCategory,
    Provision,
    ProvisionFormat,
    ProvisionItem,
    Registrant,
    RegistrantStatus,
    ReleaseAccess,
    Role,
    User,
)
from ..partners.operations import changed_terms, snapshot
from .draw import JST, office_hours, years_before

_C = PartnerCategory
_S = AgreementStatus

#: Field groups (AGREEMENT_FIELDS) of the agreements below.
DEFAULT = tuple(DEFAULT_AGREEMENT_FIELDS)
#: The fire station also gets the medical details it needs to send the right crew.
FIRE_FIELDS = (
    *DEFAULT, "support_reason_detail", "emergency_contacts", "devices", "communication",
)  # fmt: skip
NEIGHBOURHOOD_FIELDS = (
    "name", "name_kana", "address", "phone", "support_reason", "household", "mobility",
)  # fmt: skip
POLICE_FIELDS = (
    "name", "name_kana", "birth_date", "sex", "address", "phone", "support_reason",
    "mobility", "location",
)  # fmt: skip
CARE_OFFICE_FIELDS = (
    "name", "name_kana", "address", "phone", "support_reason", "household", "mobility",
    "location", "devices", "care_level", "support_reason_detail",
)  # fmt: skip
SHAKYO_FIELDS = (*DEFAULT, "emergency_contacts", "care_level")

DUTY_NOTE = "名簿の複製は必要最小限とし、協定終了時は速やかに返却又は廃棄すること。"


@dataclass(frozen=True)
class OrganisationSpec:
    """A demo partner organisation, its contact and the towns it serves."""

    key: str
    name: str
    category: PartnerCategory
    towns: tuple[str, ...]
    contact_name: str
    contact_phone: str
    contact_email: str
    contact_address: str
    notes: str = ""


#: The demo login `partner` belongs to the first one.
ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(
        "minsei1",
        "西東京市民生委員児童委員協議会 第1地区（デモ）",
        _C.MINSEI_IIN,
        ("田無町", "南町", "緑町", "谷戸町", "北原町", "西原町", "芝久保町"),
        "会長 青木 和子（デモ）",
        "042-400-1101",
        "minsei1@example.jp",
        "東京都西東京市南町2丁目 地区会館内（デモ）",
        "定例会は毎月第2火曜日。西原町・芝久保町は次期協定で追加を予定。",
    ),
    OrganisationSpec(
        "minsei2",
        "西東京市民生委員児童委員協議会 第2地区（デモ）",
        _C.MINSEI_IIN,
        ("保谷町", "富士町", "中町", "東町", "泉町"),
        "会長 村田 正志（デモ）",
        "042-400-1102",
        "minsei2@example.jp",
        "東京都西東京市中町1丁目 地域福祉センター内（デモ）",
        "会長交代に伴い名簿管理責任者を選任中。",
    ),
    OrganisationSpec(
        "minsei3",
        "西東京市民生委員児童委員協議会 第3地区（デモ）",
        _C.MINSEI_IIN,
        ("ひばりが丘", "ひばりが丘北", "北町", "栄町", "住吉町", "下保谷"),
        "会長 小島 直美（デモ）",
        "042-400-1103",
        "minsei3@example.jp",
        "東京都西東京市ひばりが丘北2丁目 集会所内（デモ）",
    ),
    OrganisationSpec(
        "minsei4",
        "西東京市民生委員児童委員協議会 第4地区（デモ）",
        _C.MINSEI_IIN,
        ("向台町", "新町", "柳沢", "東伏見"),
        "会長 平田 修（デモ）",
        "042-400-1104",
        "minsei4@example.jp",
        "東京都西東京市向台町3丁目 地区会館内（デモ）",
    ),
    OrganisationSpec(
        "jichikai1",
        "ひばりが丘北二丁目自治会（デモ）",
        _C.JICHIKAI,
        ("ひばりが丘", "ひばりが丘北"),
        "防災部長 星野 健一（デモ）",
        "042-400-2201",
        "hibari-jichikai@example.jp",
        "東京都西東京市ひばりが丘北2丁目 自治会集会所（デモ）",
    ),
    OrganisationSpec(
        "jichikai2",
        "柳沢五丁目町会（デモ）",
        _C.JICHIKAI,
        ("柳沢",),
        "会長 大西 勝（デモ）",
        "042-400-2202",
        "",
        "東京都西東京市柳沢5丁目（デモ）",
        "協定解除済み。写しの返却を督促中。",
    ),
    OrganisationSpec(
        "bosai1",
        "東伏見三丁目自主防災会（デモ）",
        _C.JISHU_BOSAI,
        ("東伏見",),
        "会長 永井 宏（デモ）",
        "042-400-3301",
        "higashifushimi-bosai@example.jp",
        "東京都西東京市東伏見3丁目（デモ）",
        "協定締結に向けて規約を整備中。",
    ),
    OrganisationSpec(
        "bosai2",
        "下保谷四丁目防災会（デモ）",
        _C.JISHU_BOSAI,
        ("下保谷",),
        "会長 荒木 博之（デモ）",
        "042-400-3302",
        "",
        "東京都西東京市下保谷4丁目（デモ）",
    ),
    OrganisationSpec(
        "shakyo",
        "西東京市社会福祉協議会（デモ）",
        _C.SHAKYO,
        (),  # every town
        "地域福祉推進係 担当（デモ）",
        "042-400-4401",
        "chiiki@shakyo.example.jp",
        "東京都西東京市田無町5丁目 福祉会館内（デモ）",
    ),
    OrganisationSpec(
        "fire",
        "西東京中央消防署（デモ）",
        _C.FIRE,
        (),
        "警防課 災害対策係（デモ）",
        "042-400-0119",
        "keibo@fire.example.jp",
        "東京都西東京市向台町1丁目（デモ）",
        "消防指令システムとの連携はAPIトークンで行う予定。",
    ),
    OrganisationSpec(
        "police",
        "西東京中央警察署（デモ）",
        _C.POLICE,
        (),
        "警備課 災害対策係（デモ）",
        "042-400-0110",
        "",
        "東京都西東京市田無町4丁目（デモ）",
    ),
    OrganisationSpec(
        "care",
        "けやき居宅介護支援事業所（デモ）",
        _C.WELFARE_PROVIDER,
        ("田無町", "向台町", "芝久保町"),
        "管理者 菊池 由美（デモ）",
        "042-400-5501",
        "keyaki-care@example.jp",
        "東京都西東京市芝久保町2丁目（デモ）",
        "平常時の提供なし。災害時の提供に限る協定。",
    ),
)


@dataclass(frozen=True)
class AgreementSpec:
    """A demo agreement. `term` names its dates relative to today (see _term)."""

    organisation: str
    title: str
    status: AgreementStatus
    term: str
    #: Towns covered; empty for every town.
    towns: tuple[str, ...]
    fields: tuple[str, ...]
    includes_plans: bool = False
    emergency_provision: bool = False
    list_manager: str = ""
    list_manager_contact: str = ""
    viewers: str = ""
    storage_place: str = ""
    notes: str = ""
    #: For a suspended or terminated agreement: days ago it was, and why (added to notes).
    changed_days_ago: int = 0
    change_note: str = ""


#: The partner's towns under its agreement in force: five of the 22.
PARTNER_TOWNS = ("田無町", "南町", "緑町", "谷戸町", "北原町")

AGREEMENTS: tuple[AgreementSpec, ...] = (
    AgreementSpec(
        "minsei1",
        "避難行動要支援者名簿の提供に関する協定（第1地区・前期）（デモ）",
        _S.ACTIVE,  # its term is over: expired
        "previous",
        ("田無町", "南町", "緑町", "谷戸町"),
        DEFAULT,
        includes_plans=True,
        emergency_provision=True,
        list_manager="会長 青木 和子（デモ）",
        list_manager_contact="042-400-1101",
        viewers="青木 和子（デモ）\n石田 幸子（デモ）\n松尾 清（デモ）",
        storage_place="会長宅の施錠できる書庫",
        notes=DUTY_NOTE,
    ),
    AgreementSpec(
        "minsei1",
        "避難行動要支援者名簿の提供に関する協定（第1地区）（デモ）",
        _S.ACTIVE,
        "current",
        PARTNER_TOWNS,
        DEFAULT,
        includes_plans=True,
        emergency_provision=True,
        list_manager="会長 青木 和子（デモ）",
        list_manager_contact="042-400-1101",
        viewers="青木 和子（デモ）\n石田 幸子（デモ）\n松尾 清（デモ）\n上野 恵子（デモ）",
        storage_place="地区会館の施錠できる書庫（鍵は会長が保管）",
        notes=DUTY_NOTE + " 要配慮個人情報（医療的ケア・障害者手帳等）は提供しない。",
    ),
    AgreementSpec(
        "minsei2",
        "避難行動要支援者名簿の提供に関する協定（第2地区）（デモ）",
        _S.ACTIVE,
        "current",
        ("保谷町", "富士町", "中町", "東町", "泉町"),
        DEFAULT,
        includes_plans=True,
        emergency_provision=True,
        viewers="村田 正志（デモ）\n森田 久美子（デモ）",
        storage_place="地域福祉センターの施錠できる書庫",
        notes="名簿管理責任者は会長交代後に届出予定。",
    ),
    AgreementSpec(
        "minsei3",
        "避難行動要支援者名簿の提供に関する協定（第3地区）（デモ）",
        _S.ACTIVE,
        "ending",
        ("ひばりが丘", "ひばりが丘北", "北町", "栄町", "住吉町", "下保谷"),
        DEFAULT,
        includes_plans=True,
        emergency_provision=True,
        list_manager="会長 小島 直美（デモ）",
        list_manager_contact="042-400-1103",
        viewers="小島 直美（デモ）\n杉本 進（デモ）",
        storage_place="集会所の施錠できる書庫",
        notes=DUTY_NOTE,
    ),
    AgreementSpec(
        "minsei3",
        "避難行動要支援者名簿の提供に関する協定（第3地区・次期）（案）（デモ）",
        _S.DRAFT,
        "next",
        ("ひばりが丘", "ひばりが丘北", "北町", "栄町", "住吉町", "下保谷"),
        DEFAULT,
        includes_plans=True,
        emergency_provision=True,
        list_manager="会長 小島 直美（デモ）",
        list_manager_contact="042-400-1103",
        storage_place="集会所の施錠できる書庫",
        notes="現協定の満了に合わせて更新予定。",
    ),
    AgreementSpec(
        "minsei4",
        "避難行動要支援者名簿の提供に関する協定（第4地区）（デモ）",
        _S.ACTIVE,
        "current",
        ("向台町", "新町", "柳沢", "東伏見"),
        DEFAULT,
        includes_plans=True,
        emergency_provision=True,
        list_manager="会長 平田 修（デモ）",
        list_manager_contact="042-400-1104",
        viewers="平田 修（デモ）\n桜井 智子（デモ）",
        storage_place="会長宅の施錠できる書庫",
        notes=DUTY_NOTE,
    ),
    AgreementSpec(
        "jichikai1",
        "避難行動要支援者名簿の提供に関する協定（ひばりが丘北二丁目自治会）（デモ）",
        _S.ACTIVE,
        "current",
        ("ひばりが丘", "ひばりが丘北"),
        NEIGHBOURHOOD_FIELDS,
        list_manager="防災部長 星野 健一（デモ）",
        list_manager_contact="042-400-2201",
        viewers="星野 健一（デモ）\n各班長（名簿の該当頁のみ）",
        storage_place="自治会集会所の施錠できるロッカー",
        notes=DUTY_NOTE,
    ),
    AgreementSpec(
        "jichikai2",
        "避難行動要支援者名簿の提供に関する協定（柳沢五丁目町会）（デモ）",
        _S.TERMINATED,
        "terminated",
        ("柳沢",),
        NEIGHBOURHOOD_FIELDS,
        list_manager="会長 大西 勝（デモ）",
        list_manager_contact="042-400-2202",
        viewers="大西 勝（デモ）",
        storage_place="会長宅",
        notes=DUTY_NOTE,
        changed_days_ago=35,
        change_note="役員改選後、名簿の管理体制が確認できないため協定を解除。写し2部が未返却。",
    ),
    AgreementSpec(
        "bosai1",
        "避難行動要支援者名簿の提供に関する協定（東伏見三丁目自主防災会）（案）（デモ）",
        _S.DRAFT,
        "draft",
        ("東伏見",),
        NEIGHBOURHOOD_FIELDS,
        emergency_provision=True,
        list_manager="会長 永井 宏（デモ）",
        list_manager_contact="042-400-3301",
        storage_place="防災倉庫横の事務室（施錠）",
        notes="規約の整備を待って締結予定。",
    ),
    AgreementSpec(
        "bosai2",
        "避難行動要支援者名簿の提供に関する協定（下保谷四丁目防災会）（デモ）",
        _S.SUSPENDED,
        "current",
        ("下保谷",),
        NEIGHBOURHOOD_FIELDS,
        emergency_provision=True,
        list_manager="会長 荒木 博之（デモ）",
        list_manager_contact="042-400-3302",
        viewers="荒木 博之（デモ）",
        storage_place="会長宅の施錠できる書庫",
        notes=DUTY_NOTE,
        changed_days_ago=20,
        change_note="名簿の保管場所の変更届が未提出。確認が終わるまで提供を停止。",
    ),
    AgreementSpec(
        "shakyo",
        "避難行動要支援者名簿の提供に関する協定（社会福祉協議会）（デモ）",
        _S.ACTIVE,
        "current",
        (),
        SHAKYO_FIELDS,
        includes_plans=True,
        emergency_provision=True,
        list_manager="地域福祉推進係長（デモ）",
        list_manager_contact="042-400-4401",
        viewers="地域福祉推進係 職員（デモ）",
        storage_place="福祉会館 事務室の施錠できる書庫",
        notes=DUTY_NOTE,
    ),
    AgreementSpec(
        "fire",
        "避難行動要支援者名簿の提供に関する協定（消防署）（デモ）",
        _S.ACTIVE,
        "current",
        (),
        FIRE_FIELDS,
        includes_plans=True,
        emergency_provision=True,
        list_manager="警防課長（デモ）",
        list_manager_contact="042-400-0119",
        viewers="警防課 災害対策係（デモ）",
        storage_place="警防課 執務室の施錠できる書庫",
        notes=DUTY_NOTE + " 医療的ケア・コミュニケーションの情報を含む。",
    ),
    AgreementSpec(
        "police",
        "避難行動要支援者名簿の提供に関する協定（警察署）（デモ）",
        _S.ACTIVE,
        "current",
        (),
        POLICE_FIELDS,
        emergency_provision=True,
        list_manager="警備課長（デモ）",
        list_manager_contact="042-400-0110",
        viewers="警備課 災害対策係（デモ）",
        storage_place="警備課 執務室の施錠できる書庫",
        notes=DUTY_NOTE,
    ),
    AgreementSpec(
        "care",
        "災害時における避難行動要支援者名簿の提供に関する協定（けやき居宅介護支援事業所）（デモ）",
        _S.ACTIVE,
        "current",
        ("田無町", "向台町", "芝久保町"),
        CARE_OFFICE_FIELDS,
        emergency_provision=True,
        list_manager="管理者 菊池 由美（デモ）",
        list_manager_contact="042-400-5501",
        viewers="菊池 由美（デモ）\n介護支援専門員 2名",
        storage_place="事業所の施錠できる書庫",
        notes="平常時は提供なし。災害時の提供（第49条の11第3項）に限る。",
    ),
)

#: A fictional user of the 町会 whose agreement was terminated: the copies still out are theirs.
FORMER_USER = ("chokai-yanagisawa", "柳沢五丁目町会 会長（デモ）", "jichikai2")

#: The ended release: a typhoon over three towns, two of them the partner's.
RELEASE_TOWNS = ("田無町", "南町", "向台町")
RELEASE_BASIS = (
    "災害対策基本法第49条の11第3項。台風の接近により石神井川・新川沿いに避難指示を発令し、"
    "避難行動要支援者の生命又は身体を災害から保護するために特に必要があると認めたため。"
)


@contextmanager
def demo_context() -> Iterator[None]:
    """Run inside an app context so the access rule and the geometry can read their
    settings: the real app's when there is one (the `roster demo` command), else defaults
    (the opt_in ordinance rule, Tokyo's metric CRS, the municipality's time zone)."""
    if has_app_context():
        yield
        return
    app = Flask(__name__)
    app.config["CONSENT_RULE"] = "opt_in"
    app.config["GEO_CRS"] = "EPSG:6677"
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Tokyo"
    with app.app_context():
        yield


def add_organisations(session: DbSession, districts: dict[str, District]) -> list[Organisation]:
    """The demo's partner organisations, in ORGANISATIONS order."""
    everywhere = sorted(districts.values(), key=lambda d: d.code)
    organisations = [
        Organisation(
            name=spec.name,
            category=spec.category,
            contact_name=spec.contact_name,
            contact_phone=spec.contact_phone,
            contact_email=spec.contact_email,
            contact_address=spec.contact_address,
            notes=spec.notes,
            districts=(
                sorted((districts[t] for t in spec.towns), key=lambda d: d.code)
                if spec.towns
                else list(everywhere)
            ),
        )
        for spec in ORGANISATIONS
    ]
    session.add_all(organisations)
    return organisations


class _Builder:
    """Writes agreements, versions, copies and the release for one demo load."""

    def __init__(
        self,
        session: DbSession,
        districts: dict[str, District],
        organisations: list[Organisation],
        users: dict[str, User],
        today: date,
        seed: int,
    ) -> None:
        self.session = session
        self.districts = districts
        self.organisations = {s.key: o for s, o in zip(ORGANISATIONS, organisations, strict=True)}
        self.users = users
        self.staff = users["staff"]
        self.today = today
        self.rng = random.Random(seed * 7919 + 4)  # noqa: S311 - reproducible fiction
        self.counts = {"agreements": 0, "provisions": 0, "provision_items": 0}
        #: Agreement -> its last copy number.
        self.copy_numbers: dict[int, int] = {}

    # Terms ---------------------------------------------------------------------------------

    def term(self, name: str) -> tuple[date, date]:
        """Start and end of a named term, relative to today."""
        today = self.today
        current = (
            _month_start(today - timedelta(days=240)),
            _month_end(today + timedelta(days=480)),
        )
        if name == "current":
            return current
        if name == "previous":  # the two years before the current term: expired
            return years_before(current[0], 2), current[0] - timedelta(days=1)
        if name == "ending":  # ends 20–50 days from now
            return _month_start(today - timedelta(days=700)), _month_end(today + timedelta(days=20))
        if name == "next":  # follows the ending one
            ends = _month_end(today + timedelta(days=20))
            return ends + timedelta(days=1), _month_end(ends + timedelta(days=730))
        if name == "draft":
            starts = _month_start(today + timedelta(days=45))
            return starts, _month_end(starts + timedelta(days=700))
        if name == "terminated":
            starts = _month_start(today - timedelta(days=500))
            return starts, _month_end(starts + timedelta(days=1060))
        raise ValueError(name)

    def moment(self, day: date) -> datetime:
        return office_hours(self.rng, day)

    def towns(self, names: tuple[str, ...]) -> list[District]:
        chosen = [self.districts[t] for t in names] if names else list(self.districts.values())
        return sorted(chosen, key=lambda d: d.code)

    # Agreements ----------------------------------------------------------------------------

    def agreement(self, spec: AgreementSpec) -> Agreement:
        """The agreement as first signed (version 1), then suspended or terminated if so."""
        starts, ends = self.term(spec.term)
        created = self.moment(min(starts - timedelta(days=21), self.today - timedelta(days=7)))
        first = _S.ACTIVE if spec.status in (_S.SUSPENDED, _S.TERMINATED) else spec.status
        agreement = Agreement(
            organisation=self.organisations[spec.organisation],
            title=spec.title,
            status=first,
            starts_on=starts,
            ends_on=ends,
            districts=self.towns(spec.towns),
            fields=[g for g in AGREEMENT_FIELDS if g in spec.fields],
            includes_plans=spec.includes_plans,
            emergency_provision=spec.emergency_provision,
            list_manager=spec.list_manager,
            list_manager_contact=spec.list_manager_contact,
            viewers=spec.viewers,
            storage_place=spec.storage_place,
            notes=spec.notes,
            created_at=created,
            updated_at=created,
        )
        self.session.add(agreement)
        self.session.flush()
        self.version(agreement, None, created)
        if spec.status is not first:
            before = snapshot(agreement)
            when = self.moment(self.today - timedelta(days=spec.changed_days_ago))
            agreement.status = spec.status
            agreement.notes = f"{agreement.notes}\n{spec.change_note}".strip()
            agreement.updated_at = when
            if spec.status is _S.TERMINATED:
                agreement.terminated_at = when
            self.session.flush()
            self.version(agreement, before, when)
        self.counts["agreements"] += 1
        return agreement

    def version(self, agreement: Agreement, before: dict[str, Any] | None, at: datetime) -> None:
        after = snapshot(agreement)
        self.session.add(
            AgreementVersion(
                agreement_id=agreement.id,
                version=agreement.version,
                snapshot=after,
                changed=changed_terms(before, after),
                changed_by_id=self.staff.id,
                changed_at=at,
            )
        )

    # Copies --------------------------------------------------------------------------------

    def access(
        self, agreement: Agreement, released: dict[int, int] | None = None
    ) -> PartnerAccess:
        """The agreement's entitlement, as partner_access builds it, for `today`
        (which may not be the real date: the demo can be loaded for any day)."""
        return PartnerAccess(
            agreement=agreement,
            category=agreement.organisation.category,
            districts=frozenset(d.id for d in agreement.districts),
            fields=agreement_fields(agreement.fields),
            released=released or {},
        )

    def people(
        self,
        access: PartnerAccess,
        as_of: date | None = None,
        towns: tuple[str, ...] = (),
        also: list[int] | None = None,
    ) -> list[int]:
        """IDs the access rule admits now, in list order; with as_of, only those whose
        current answer was given by then (people who answered later were not on it); with
        towns, only there; with also, these IDs too (people who have left since)."""
        condition = partner_condition(access, current_app.config["CONSENT_RULE"])
        if as_of is not None:
            condition = and_(
                condition, or_(ConsentRecord.id.is_(None), ConsentRecord.decided_on <= as_of)
            )
        if towns:
            condition = and_(
                condition, Registrant.district_id.in_([self.districts[t].id for t in towns])
            )
        if also:
            condition = or_(condition, Registrant.id.in_(also))
        query = (
            select(Registrant.id)
            .outerjoin(ConsentRecord, ConsentRecord.id == Registrant.current_consent_id)
            .where(condition)
            .order_by(Registrant.district_id, Registrant.kana_key, Registrant.id)
        )
        return list(self.session.scalars(query))

    def since_left(self, access: PartnerAccess, after: date, limit: int) -> list[int]:
        """People of the agreement's districts the rule no longer admits who were surely on a
        list made on `after`: consenting people who have moved out, died or entered a
        facility, and people who withdrew since."""
        consented = register_sharing_allows(access.category, current_app.config["CONSENT_RULE"])
        query = (
            select(Registrant.id)
            .outerjoin(ConsentRecord, ConsentRecord.id == Registrant.current_consent_id)
            .where(
                Registrant.district_id.in_(sorted(access.districts)),
                or_(
                    and_(Registrant.status != RegistrantStatus.ACTIVE, consented),
                    and_(
                        Registrant.status == RegistrantStatus.ACTIVE,
                        Registrant.consent_state == ConsentState.WITHDRAWN,
                        ConsentRecord.decided_on > after,
                    ),
                ),
            )
            .order_by(Registrant.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def copy(
        self,
        agreement: Agreement,
        user: User,
        format: ProvisionFormat,
        made_on: date,
        ids: list[int],
        *,
        release: DisasterRelease | None = None,
        at: datetime | None = None,
        disposed: tuple[date, DisposalMethod, str] | None = None,
        note: str | None = None,
    ) -> Provision:
        """A ledger row with its people, numbered after the agreement's earlier copies."""
        number = self.copy_numbers.get(agreement.id, 0) + 1
        self.copy_numbers[agreement.id] = number
        provision = Provision(
            organisation_id=agreement.organisation_id,
            agreement_id=agreement.id,
            release_id=release.id if release else None,
            user_id=user.id,
            created_at=at or self.moment(made_on),
            format=format,
            copy_no=number,
            count=len(ids),
        )
        if disposed is not None:
            provision.disposed_on, provision.disposal_method, provision.confirmed_by = disposed
            provision.disposal_recorded_by_id = self.staff.id
            provision.disposal_note = note
        self.session.add(provision)
        self.session.flush()
        if ids:
            self.session.execute(
                insert(ProvisionItem),
                [
                    {"provision_id": provision.id, "registrant_id": rid, "line": line}
                    for line, rid in enumerate(ids, start=1)
                ],
            )
        self.counts["provisions"] += 1
        self.counts["provision_items"] += len(ids)
        return provision

    # The release ---------------------------------------------------------------------------

    @staticmethod
    def release_day(term: Agreement) -> date:
        """The typhoon's day: the last 8 September at least two months before the end of
        the partner's previous term (which lasted two years, so the day falls inside it)."""
        latest = term.ends_on - timedelta(days=60)
        day = date(latest.year, 9, 8)
        return day if day <= latest else date(latest.year - 1, 9, 8)

    def release(self, day: date) -> DisasterRelease:
        start = datetime.combine(day, time(16, 30), tzinfo=JST).astimezone(UTC)
        release = DisasterRelease(
            name=f"令和{day.year - 2018}年台風第15号（デモ）",
            legal_basis=RELEASE_BASIS,
            starts_at=start,
            ends_at=start + timedelta(days=3),
            declared_by_id=self.staff.id,
            declared_at=start - timedelta(minutes=20),
            ended_at=start + timedelta(hours=40),
            ended_by_id=self.staff.id,
            districts=self.towns(RELEASE_TOWNS),
        )
        self.session.add(release)
        self.session.flush()
        return release

    def release_accesses(
        self,
        release: DisasterRelease,
        access: PartnerAccess,
        user: User,
        ids: list[int],
        action: str,
        at: datetime,
    ) -> int:
        """ReleaseAccess rows for those of `ids` (people the rule admitted under the release)
        shown only because of it, as disclosures.record_disclosure writes them."""
        rule = current_app.config["CONSENT_RULE"]
        wanted = set(ids)
        rows = self.session.execute(
            select(
                Registrant.id,
                Registrant.district_id,
                Registrant.consent_state,
                Registrant.consent_scope,
            ).where(partner_condition(access, current_app.config["CONSENT_RULE"]))
        )
        shown = sorted(
            row.id
            for row in rows
            if row.id in wanted and access.shown_under_release(cast(Any, row), rule) is not None
        )
        if shown:
            self.session.execute(
                insert(ReleaseAccess),
                [
                    {
                        "release_id": release.id,
                        "user_id": user.id,
                        "registrant_id": rid,
                        "action": action,
                        "at": at,
                    }
                    for rid in shown
                ],
            )
        return len(shown)


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
    build = _Builder(session, districts, organisations, users, today, seed)
    agreements = [build.agreement(spec) for spec in AGREEMENTS]
    by_title = {spec.title: a for spec, a in zip(AGREEMENTS, agreements, strict=True)}
    previous, current, terminated = (
        by_title[AGREEMENTS[0].title],
        by_title[AGREEMENTS[1].title],
        next(a for a in agreements if a.status is _S.TERMINATED),
    )
    partner = users["partner"]
    former = User(
        username=FORMER_USER[0],
        display_name=FORMER_USER[1],
        role=Role.PARTNER,
        organisation=build.organisations[FORMER_USER[2]],
        password_hash=password_hash,
        is_demo=True,
        # Its organisation's agreement was terminated; the account was closed with it.
        is_active_account=False,
        created_at=build.moment(terminated.starts_on),
    )
    session.add(former)
    session.flush()
    with demo_context():
        released_rows = _previous_term(build, previous, partner)
        _current_term(build, current, partner)
        _terminated(build, terminated, former)
    session.flush()
    return {**build.counts, "release_accesses": released_rows}


def _previous_term(build: _Builder, agreement: Agreement, partner: User) -> int:
    """The partner's previous, expired agreement: two ordinary copies and one printed under
    the typhoon release, every one returned or destroyed when the term ended."""
    access = build.access(agreement)
    manager = agreement.list_manager
    back = agreement.ends_on + timedelta(days=12)
    first_day = agreement.starts_on + timedelta(days=25)
    build.copy(
        agreement, partner, ProvisionFormat.PRINT, first_day, build.people(access, first_day),
        disposed=(back, DisposalMethod.RETURNED, manager),
    )  # fmt: skip
    day = build.release_day(agreement)
    release = build.release(day)
    released = build.access(agreement, {d.id: release.id for d in release.districts})
    during = [t for t in RELEASE_TOWNS if build.districts[t] in agreement.districts]
    shown = build.people(released, towns=tuple(during))
    made = release.starts_at + timedelta(hours=2)
    build.copy(
        agreement, partner, ProvisionFormat.PRINT, made.astimezone(JST).date(), shown,
        release=release,
        at=made,
        disposed=(day + timedelta(days=4), DisposalMethod.SHREDDED, manager),
        note="解除後、会長立会いのもと裁断（デモ）",
    )  # fmt: skip
    rows = build.release_accesses(release, released, partner, shown, "provision.print", made)
    rows += build.release_accesses(
        release, released, partner, shown[:5], "registrant.view", made + timedelta(hours=3)
    )
    later = day + timedelta(days=23)
    build.copy(
        agreement, partner, ProvisionFormat.CSV, later, build.people(access, later),
        disposed=(back, DisposalMethod.DELETED, manager),
        note="USBメモリのデータを消去（デモ）",
    )  # fmt: skip
    return rows


def _current_term(build: _Builder, agreement: Agreement, partner: User) -> None:
    """Copies under the partner's agreement in force. The first went when the second print
    came; the last is older than some answers, so "changes since my last list" has both
    people to add and lines to strike out."""
    access = build.access(agreement)
    today = build.today
    first, second, last = (today - timedelta(days=d) for d in (150, 100, 45))
    build.copy(
        agreement, partner, ProvisionFormat.PRINT, first, build.people(access, first),
        disposed=(last, DisposalMethod.SHREDDED, agreement.list_manager),
        note="新しい名簿の受領時に旧版を裁断（デモ）",
    )  # fmt: skip
    town = (PARTNER_TOWNS[0],)
    build.copy(agreement, partner, ProvisionFormat.CSV, second, build.people(access, second, town))
    left = build.since_left(access, last, max(3, len(build.people(access, last)) // 40))
    on_last = build.people(access, last, also=left)
    build.copy(agreement, partner, ProvisionFormat.PRINT, last, on_last)


def _terminated(build: _Builder, agreement: Agreement, user: User) -> None:
    """Two copies of the 町会 whose agreement was terminated, neither returned yet."""
    access = build.access(agreement)
    first = agreement.starts_on + timedelta(days=30)
    build.copy(agreement, user, ProvisionFormat.PRINT, first, build.people(access, first))
    second = build.today - timedelta(days=35 + 60)
    build.copy(agreement, user, ProvisionFormat.CSV, second, build.people(access, second))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
