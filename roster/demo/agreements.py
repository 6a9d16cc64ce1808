"""The demo's agreements (協定) with the partner organisations, in every state: active (most),
active but ending within 60 days, draft, suspended, terminated with copies still out, and
expired (active, its term over); one agreement in force names no list manager, so the
reminder shows. Each is written as first signed (version 1), then suspended or terminated
if so, as staff would have done it.

AGREEMENTS is a data table and runs long on purpose: one entry per agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..access.fields import AGREEMENT_FIELDS, DEFAULT_AGREEMENT_FIELDS
from ..models import Agreement, AgreementStatus, AgreementVersion
from ..partners.agreements import changed_terms, snapshot
from .draw import years_before
from .history import PartnerHistory

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
class AgreementSpec:
    """A demo agreement. `term` names its dates relative to today (see term_dates)."""

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

#: What an agreement takes from its spec as it is.
_AS_SPECIFIED = (
    "title",
    "includes_plans",
    "emergency_provision",
    "list_manager",
    "list_manager_contact",
    "viewers",
    "storage_place",
    "notes",
)


def term_dates(name: str, today: date) -> tuple[date, date]:
    """Start and end of a named term, relative to today."""
    current = _month_start(today - timedelta(days=240)), _month_end(today + timedelta(days=480))
    ending = _month_end(today + timedelta(days=20))
    draft = _month_start(today + timedelta(days=45))
    terminated = _month_start(today - timedelta(days=500))
    terms = {
        "current": current,
        # The two years before the current term: expired.
        "previous": (years_before(current[0], 2), current[0] - timedelta(days=1)),
        # Ends 20–50 days from now.
        "ending": (_month_start(today - timedelta(days=700)), ending),
        # Follows the ending one.
        "next": (ending + timedelta(days=1), _month_end(ending + timedelta(days=730))),
        "draft": (draft, _month_end(draft + timedelta(days=700))),
        "terminated": (terminated, _month_end(terminated + timedelta(days=1060))),
    }
    if name not in terms:
        raise ValueError(name)
    return terms[name]


def add_agreement(history: PartnerHistory, spec: AgreementSpec) -> Agreement:
    """The agreement as first signed (version 1), then suspended or terminated if so."""
    first = _S.ACTIVE if spec.status in (_S.SUSPENDED, _S.TERMINATED) else spec.status
    agreement = _signed(history, spec, first)
    if spec.status is not first:
        _change_status(history, agreement, spec)
    history.counts["agreements"] += 1
    return agreement


def _signed(history: PartnerHistory, spec: AgreementSpec, status: AgreementStatus) -> Agreement:
    """The agreement with its first status, and its version 1."""
    starts, ends = term_dates(spec.term, history.today)
    created = history.moment(min(starts - timedelta(days=21), history.today - timedelta(days=7)))
    agreement = Agreement(
        organisation=history.organisations[spec.organisation],
        status=status,
        starts_on=starts,
        ends_on=ends,
        districts=history.towns(spec.towns),
        fields=[g for g in AGREEMENT_FIELDS if g in spec.fields],
        created_at=created,
        updated_at=created,
        **{name: getattr(spec, name) for name in _AS_SPECIFIED},
    )
    history.session.add(agreement)
    history.session.flush()
    _add_version(history, agreement, None, created)
    return agreement


def _change_status(history: PartnerHistory, agreement: Agreement, spec: AgreementSpec) -> None:
    """Suspend or terminate the agreement some days ago, giving the reason in its notes."""
    before = snapshot(agreement)
    when = history.moment(history.today - timedelta(days=spec.changed_days_ago))
    agreement.status = spec.status
    agreement.notes = f"{agreement.notes}\n{spec.change_note}".strip()
    agreement.updated_at = when
    if spec.status is _S.TERMINATED:
        agreement.terminated_at = when
    history.session.flush()
    _add_version(history, agreement, before, when)


def _add_version(
    history: PartnerHistory, agreement: Agreement, before: dict[str, Any] | None, at: datetime
) -> None:
    after = snapshot(agreement)
    history.session.add(
        AgreementVersion(
            agreement_id=agreement.id,
            version=agreement.version,
            snapshot=after,
            changed=changed_terms(before, after),
            changed_by_id=history.staff.id,
            changed_at=at,
        )
    )


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
